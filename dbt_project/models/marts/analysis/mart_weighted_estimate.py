"""Weighted Flanders-wide estimates with 95 % intervals (formulas in orchestration/deliverables/weighting.py)."""

from orchestration.deliverables.weighting import weighted_estimates


def model(dbt, session):
    dbt.config(materialized="table")
    frame = dbt.ref("int_wave_municipalities").df()
    sample = dbt.ref("int_responding_municipalities").df()
    items = dbt.ref("int_estimation_items").df().sort_values(
        ["wave_id", "question_position", "row_code", "choice_position"], na_position="first")
    answers = dbt.ref("int_municipality_choice_answers").df()
    return weighted_estimates(frame, sample, items, answers)
