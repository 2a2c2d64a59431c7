"""The dbt project, and nothing else: `dagster-dbt project prepare-and-package` imports this module."""

import os
import shutil

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR, dbt_target, duckdb_memory_limit, duckdb_temp_dir, warehouse_db_path

# profiles.yml has no defaults (the one default of each is in settings.py); parsing the project, here or
# under `dagster dev`, needs them. Runs set their own in dbt's environment anyway (assets/dbt.py).
os.environ.setdefault("WAREHOUSE_DB_PATH", str(warehouse_db_path()))
os.environ.setdefault("WAREHOUSE_DUCKDB_MEMORY_LIMIT", duckdb_memory_limit())
os.environ.setdefault("WAREHOUSE_DUCKDB_TEMP_DIR", str(duckdb_temp_dir(warehouse_db_path())))

# WAREHOUSE_TARGET picks the profile output: `dev` (the DuckDB file) or `postgres`.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target=dbt_target())
# Under `dagster dev` re-parse so edited models show up; that calls `dbt` from PATH, so only when it is
# there (`make ui` puts the virtualenv on PATH; otherwise the manifest `make` prepared is used).
if shutil.which("dbt"):
    dbt_project.prepare_if_dev()
