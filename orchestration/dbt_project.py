"""The dbt project, and nothing else: `dagster-dbt project prepare-and-package` imports this module."""

import shutil

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR, dbt_target

# Parsing the project (here, under `dagster dev`, `make`'s prepare-and-package) opens no database, so the
# profile's fallbacks (the development copy) do for it; every run sets its own in dbt's environment
# (dbt_environment(), assets/dbt.py), so no parse or run ever falls back to the published file.
# WAREHOUSE_TARGET picks the profile output: `dev` (the DuckDB file) or `postgres`.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target=dbt_target())
# Under `dagster dev` re-parse so edited models show up; that calls `dbt` from PATH, so only when it is
# there (`make ui` puts the virtualenv on PATH; otherwise the manifest `make` prepared is used).
if shutil.which("dbt"):
    dbt_project.prepare_if_dev()
