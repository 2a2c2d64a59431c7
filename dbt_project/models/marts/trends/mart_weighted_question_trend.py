"""mart_question_trend's municipality-level pairs with the weighted change between the two waves, its 95 %
interval and whether that excludes zero (formulas in orchestration/deliverables/weighting.py; the
independence assumption in docs/DECISIONS.md). On PostgreSQL orchestration/assets/dbt.py writes the table
with the same function."""

from orchestration.deliverables.weighting import changes_from_models


def model(dbt, session):
    # Literal names: dbt finds a Python model's parents in its dbt.ref() calls (weighting.PYTHON_MARTS).
    return changes_from_models(
        dbt.ref("int_wave_municipalities").df(),
        dbt.ref("int_responding_municipalities").df(),
        dbt.ref("int_estimation_items").df(),
        dbt.ref("int_municipality_choice_answers").df(),
        dbt.ref("int_question_trend").df(),  # the pairs of mart_question_trend
    )
