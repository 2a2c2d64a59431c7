"""Weighted Flanders-wide estimates with 95 % intervals (formulas in orchestration/deliverables/weighting.py).
On PostgreSQL dbt runs no Python: orchestration/assets/dbt.py writes this table with the same function and
dbt only tests it (dbt_project.yml, materialization `written_by_orchestration`)."""

from orchestration.deliverables.weighting import estimates_from_models


def model(dbt, session):
    return estimates_from_models(lambda name: dbt.ref(name).df())
