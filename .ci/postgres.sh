#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and CI (issue #11), from Debian's `postgresql` package.
#
#   eval "$(.ci/postgres.sh start)"   # prints `export PGHOST=... PGPORT=... PGUSER=... PGPASSWORD=...
#                                     #   PGDATABASE=... WAREHOUSE_PG_CLUSTER=<dir>`
#   .ci/postgres.sh stop "$WAREHOUSE_PG_CLUSTER"   # stops it and deletes the directory
#
# The cluster lives in a new temporary directory, listens on 127.0.0.1 only, on a free port, with a
# random password. initdb refuses to run as root, so as root every server command runs as `postgres`.
set -euo pipefail

pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do [[ -x "$dir/initdb" ]] && { echo "$dir"; return; }; done
    return 1
}

as_owner() {  # run a server command as the cluster's owner
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_postgres() {
    pg_bin >/dev/null && return
    [[ $(id -u) -eq 0 ]] || { echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql, as root)" >&2; exit 1; }
    echo "postgres.sh: installing Debian's postgresql package" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    install_postgres
    local bin dir port password
    bin=$(pg_bin)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/warehouse-pg.XXXXXX")
    chmod 755 "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    port=$(free_port)
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    printf '%s\n' "$password" > "$dir/pwfile"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/pwfile"
    as_owner "$bin/initdb" --pgdata="$dir/data" --username=warehouse_admin --pwfile="$dir/pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --silent \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c fsync=off" start \
        || { cat "$dir/server.log" >&2; exit 1; }
    PGPASSWORD=$password "$bin/createdb" --host=127.0.0.1 --port="$port" --username=warehouse_admin warehouse
    echo "export PGHOST=127.0.0.1 PGPORT=$port PGUSER=warehouse_admin PGPASSWORD=$password PGDATABASE=warehouse WAREHOUSE_PG_CLUSTER=$dir"
}

stop() {
    local dir=${1:?usage: postgres.sh stop <cluster directory>}
    [[ -d "$dir/data" ]] || { echo "postgres.sh: no cluster in $dir" >&2; exit 1; }
    as_owner "$(pg_bin)/pg_ctl" --pgdata="$dir/data" --mode=fast --wait --silent stop || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) echo "usage: $0 start | stop <cluster directory>" >&2; exit 2 ;;
esac
