"""The dbt project, and nothing else: `dagster-dbt project prepare-and-package` imports this module."""

import os
import shutil

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR, warehouse_db_path

# profiles.yml has no default warehouse path (the one default is in settings.py); parsing the project,
# here or under `dagster dev`, needs one. Runs pass their own path as `--vars` anyway.
os.environ.setdefault("WAREHOUSE_DB_PATH", str(warehouse_db_path()))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target="dev")
# Under `dagster dev` re-parse so edited models show up; that calls `dbt` from PATH, so only when it is
# there (`make ui` puts the virtualenv on PATH; otherwise the manifest `make` prepared is used).
if shutil.which("dbt"):
    dbt_project.prepare_if_dev()
