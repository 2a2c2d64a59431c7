"""Weighted Flanders-wide estimates with their standard errors and 95 % intervals, as R's survey package
computes them (formulas in orchestration/deliverables/weighting.py). On PostgreSQL dbt runs no Python:
orchestration/assets/dbt.py writes this table with the same function and dbt only tests it
(materialization `written_by_orchestration`)."""

from orchestration.deliverables.weighting import estimates_from_models


def model(dbt, session):
    # Literal names: dbt finds a Python model's parents in its dbt.ref() calls (weighting.PYTHON_MARTS).
    return estimates_from_models(
        dbt.ref("int_wave_municipalities").df(),
        dbt.ref("int_responding_municipalities").df(),
        dbt.ref("int_estimation_items").df(),
        dbt.ref("int_municipality_choice_answers").df(),
    )
