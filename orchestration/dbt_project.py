"""The dbt project, and nothing else: `dagster-dbt project prepare-and-package` imports this module."""

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target="dev")
dbt_project.prepare_if_dev()
