-- The same municipalities across waves, on the 2025 map: per later wave × question with comparable_to ×
-- (matrix row) × 2025 municipality that answered either wave, its consolidated answer beside the
-- earlier one and whether it changed. Predecessors that answered differently are flagged, not merged.
with

comparison as (
    select * from {{ ref('int_panel_choice_comparison') }}
),

per_municipality as (
    select
        wave_id,
        question_id,
        row_code,
        nis_code_2025,
        compared_wave_id,
        compared_question_id,
        any_value(question_position) as question_position,
        any_value(answer_codes) as answer_codes,
        any_value(source_answers) as source_answers,
        any_value(compared_answer_codes) as compared_answer_codes,
        any_value(compared_source_answers) as compared_source_answers,
        any_value(compared_n_source_municipalities) as compared_n_source_municipalities,
        any_value(compared_n_predecessors) as compared_n_predecessors,
        any_value(pair_status) as pair_status,
        any_value(answer_as_compared_codes) as answer_as_compared_codes,
        any_value(is_changed) as is_changed
    from comparison
    group by wave_id, question_id, row_code, nis_code_2025, compared_wave_id, compared_question_id
)

select
    per_municipality.wave_id,
    per_municipality.question_id,
    per_municipality.row_code,
    per_municipality.nis_code_2025 as nis_code,
    municipalities.name_nl,
    per_municipality.compared_wave_id,
    per_municipality.compared_question_id,
    per_municipality.source_answers as answers_by_municipality,
    per_municipality.compared_source_answers as compared_answers_by_municipality,
    per_municipality.compared_n_source_municipalities as compared_n_municipalities_answered,
    per_municipality.compared_n_predecessors as compared_n_municipalities,
    array_to_string(per_municipality.answer_codes, ',') as answer_codes,
    array_to_string(per_municipality.answer_as_compared_codes, ',') as answer_as_compared_codes,
    array_to_string(per_municipality.compared_answer_codes, ',') as compared_answer_codes,
    case
        when per_municipality.pair_status != 'compared' then per_municipality.pair_status
        when per_municipality.is_changed then 'changed'
        else 'unchanged'
    end as comparison_status,
    per_municipality.is_changed,
    per_municipality.pair_status = 'predecessors_differ' as is_predecessors_differ
from per_municipality
left join {{ ref('dim_municipality_2025') }} as municipalities
    on per_municipality.nis_code_2025 = municipalities.nis_code
order by
    per_municipality.wave_id, per_municipality.question_position, per_municipality.row_code,
    per_municipality.nis_code_2025
