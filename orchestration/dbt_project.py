"""The dbt project, and nothing else: `dagster-dbt project prepare-and-package` imports this module."""

import shutil

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR, warehouse_target

# The profile output is named after WAREHOUSE_TARGET (`duckdb` or `postgres`).
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target=warehouse_target())
# Under `dagster dev` re-parse so edited models show up; that calls `dbt` from PATH, so only when it is
# there (`make ui` puts the virtualenv on PATH; otherwise the manifest `make` prepared is used).
if shutil.which("dbt"):
    dbt_project.prepare_if_dev()
