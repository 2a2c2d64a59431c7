"""`make docs`: dbt's documentation site as one static HTML file (`dbt docs generate --static`).

dbt reads the catalog from a database; it gets a copy of the published warehouse (an analyst's open session
or a refresh is never disturbed) and its own target folder (Dagster's manifest stays as is). The copy reaches
dbt as a run's draft does, through the environment profiles.yml reads (`dbt_environment`): `--vars` name no
database any more, and dbt would otherwise open (and create, empty) the default file.

The copy and the target folder keep one place, `dbt_project/target/docs_site/`: dbt's partial parse is
only valid for the same database path, so a fixed place lets every `make docs` after the first skip the
whole-project parse. A lock file keeps two `make docs` from sharing it at once; the copy is removed after.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from orchestration.assets.dbt import dbt_environment
from orchestration.backends.duckdb import remove_database
from orchestration.resources import dbt_resource
from orchestration.settings import DBT_PROJECT_DIR

DOCS_SITE_DIR = DBT_PROJECT_DIR / "target" / "docs_site"


def write_docs_site(db_path: str | Path, output: str | Path) -> Path:
    db_path, output = Path(db_path), Path(output)
    if not db_path.exists():
        raise FileNotFoundError(f"no published warehouse at {db_path}: run `make run` first")
    DOCS_SITE_DIR.mkdir(parents=True, exist_ok=True)
    with (DOCS_SITE_DIR / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        copy, target = DOCS_SITE_DIR / "warehouse.duckdb", DOCS_SITE_DIR / "target"
        shutil.copyfile(db_path, copy)
        try:
            subprocess.run(
                [dbt_resource().dbt_executable, "docs", "generate", "--static", "--target-path", str(target)],
                # profiles.yml reads the database file from the environment (as for a run), not from `--vars`
                cwd=DBT_PROJECT_DIR,
                check=True,
                env={**os.environ, **dbt_environment(str(copy))},
            )
        finally:
            remove_database(copy)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target / "static_index.html", output)
    return output
