"""`make dbt` and a plain `dbt` in dbt_project/: on a development copy of the warehouse, never the published
file (orchestration/dbt_dev.py; the profile's fallbacks in dbt_project/profiles.yml)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import jinja2
import pytest
import yaml

from orchestration import dbt_dev, settings
from orchestration.assets.dbt import dbt_environment
from orchestration.backends.publishing import history_dir
from orchestration.dbt_dev import DevCopyError, dev_environment, prepare_dev_copy, run_dbt, source_file

PROFILE = yaml.safe_load((settings.DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))["oekraine_opvang"]


def render(value: str, environment: dict[str, str]) -> str:
    """A profile value as dbt renders it: dbt's `env_var` returns the variable, else the default, else fails."""

    def env_var(name: str, default: str | None = None) -> str:
        if name in environment:
            return environment[name]
        if default is None:
            raise KeyError(f"env_var({name!r}) has no default")
        return default

    return jinja2.Environment().from_string(value).render(env_var=env_var)


def dev_output(environment: dict[str, str]) -> dict[str, str]:
    output = PROFILE["outputs"]["dev"]
    return {
        "target": render(PROFILE["target"], environment),
        "path": render(output["path"], environment),
        **{name: render(output["config_options"][name], environment) for name in ("memory_limit", "temp_directory")},
    }


def test_a_plain_dbt_builds_the_development_copy_with_the_settings_defaults():
    """Nothing set (a plain `cd dbt_project && dbt build`): settings.py's defaults, on the development copy."""
    rendered = dev_output({})
    assert rendered["target"] == "dev"
    assert (settings.DBT_PROJECT_DIR / rendered["path"]).resolve() == settings.DEFAULT_DEV_DB_PATH
    assert rendered["memory_limit"] == settings.DEFAULT_DUCKDB_MEMORY_LIMIT
    assert rendered["temp_directory"] == str(settings.duckdb_temp_dir(Path(rendered["path"])))
    # not even a WAREHOUSE_DB_PATH in the shell takes a hand-run dbt to the published file
    assert dev_output({"WAREHOUSE_DB_PATH": "/data/published.duckdb"}) == rendered


def test_a_run_gets_exactly_what_it_sets():
    draft = "/data/warehouse.duckdb.draft"
    values = dbt_environment(draft)
    assert dev_output(values) == {
        "target": "dev",
        "path": draft,
        "memory_limit": values["WAREHOUSE_DUCKDB_MEMORY_LIMIT"],
        "temp_directory": draft + ".tmp",
    }
    assert dev_environment(Path(draft)) == values  # make dbt names another copy as a run names its draft


def test_sqlfluff_and_the_unit_tests_keep_their_in_memory_database():
    assert PROFILE["outputs"]["memory"]["path"] == ":memory:"


def make_database(path: Path, marker: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("create table marker as select ? as value", [marker])
    return path


def marker(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("select value from marker").fetchone()[0]


def test_the_copy_is_made_once_kept_then_copied_again_on_request(tmp_path):
    published = make_database(tmp_path / "published" / "warehouse.duckdb", "published 1")
    dev = tmp_path / "dev" / "warehouse.duckdb"
    assert ": new," in prepare_dev_copy(published, dev)[0]
    assert marker(dev) == "published 1"
    with duckdb.connect(str(dev)) as connection:  # what the engineer built in it stays
        connection.execute("update marker set value = 'built in dev'")
    kept = prepare_dev_copy(published, dev)
    assert marker(dev) == "built in dev" and len(kept) == 1 and "not touched" in kept[0]

    published.unlink()
    make_database(published, "published 2")  # a newer run published
    assert "FRESH=1" in prepare_dev_copy(published, dev)[-1]
    assert marker(dev) == "built in dev"
    assert "FRESH=1" in prepare_dev_copy(published, dev, fresh=True)[0]
    assert marker(dev) == "published 2"

    other = make_database(tmp_path / "other" / "warehouse.duckdb", "another warehouse")
    assert "copied again" in prepare_dev_copy(other, dev)[0]  # never a copy of one warehouse for another's
    assert marker(dev) == "another warehouse" and str(other) in source_file(dev).read_text(encoding="utf-8")


def test_no_published_warehouse_says_to_run_make_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WAREHOUSE_DB_PATH", str(tmp_path / "none.duckdb"))
    monkeypatch.setattr(settings, "DEFAULT_DEV_DB_PATH", tmp_path / "dev" / "warehouse.duckdb")
    assert dbt_dev.main(["--", "build", "-s", "stg_taskforce__counts+"]) == 1
    assert "run `make run` first" in capsys.readouterr().err
    assert not (tmp_path / "dev").exists()


@pytest.mark.parametrize("where", ["published", "draft", "history"])
def test_the_development_copy_is_never_the_published_file(tmp_path, where):
    published = make_database(tmp_path / "warehouse.duckdb", "published")
    dev = {
        "published": published,
        "draft": tmp_path / "warehouse.duckdb.draft",
        "history": history_dir(published) / "20260101T000000.duckdb",
    }[where]
    with pytest.raises(DevCopyError, match="would be the published warehouse"):
        prepare_dev_copy(published, dev)
    assert marker(published) == "published"


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_make_dbt_builds_a_model_into_the_copy_and_leaves_the_published_file(warehouse_db, tmp_path, monkeypatch):
    """`make dbt ARGS="build -s stg_taskforce__counts"` in Python, on a copy of the session's warehouse as
    published: dbt rebuilds the model (and runs its tests) in the development copy only."""
    published = tmp_path / "published" / "warehouse.duckdb"
    published.parent.mkdir()
    shutil.copyfile(warehouse_db, published)
    before = fingerprint(published)
    dev = tmp_path / "dev" / "warehouse.duckdb"
    prepare_dev_copy(published, dev)
    with duckdb.connect(str(dev)) as connection:
        connection.execute("drop view staging.stg_taskforce__counts")
    copied = fingerprint(dev)
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(published))  # a shell's setting does not take it elsewhere
    # its own target folder: the checkout's target/ holds the manifest other tests and Dagster read
    target = tmp_path / "target"
    assert (
        run_dbt(
            ["build", "-s", "stg_taskforce__counts"], dev, {"DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)}
        )
        == 0
    ), (target / "dbt.log").read_text(encoding="utf-8")[-3000:] if (target / "dbt.log").exists() else ""
    assert fingerprint(dev) != copied
    with duckdb.connect(str(dev), read_only=True) as connection:
        assert connection.execute("select count(*) from staging.stg_taskforce__counts").fetchone()[0] > 0
    assert fingerprint(published) == before
    assert sorted(os.listdir(published.parent)) == ["warehouse.duckdb"]
