"""Weighted estimates per province and per size class (svyby over the raked design; formulas in
orchestration/deliverables/weighting.py); a domain where fewer than EXPORT_MIN_UNITS municipalities
answered gets its n only. On PostgreSQL orchestration/assets/dbt.py writes the table with the same function."""

from orchestration.deliverables.weighting import domain_estimates_from_models


def model(dbt, session):
    # Literal names: dbt finds a Python model's parents in its dbt.ref() calls (weighting.PYTHON_MARTS).
    return domain_estimates_from_models(
        dbt.ref("int_wave_municipalities").df(),
        dbt.ref("int_responding_municipalities").df(),
        dbt.ref("int_estimation_items").df(),
        dbt.ref("int_municipality_choice_answers").df(),
    )
