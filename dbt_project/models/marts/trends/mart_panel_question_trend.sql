-- Flanders-wide trend restricted to the same municipalities: per later wave × question with
-- comparable_to × (matrix row) × choice, counted over the 2025 municipalities that answered both waves
-- with one answer each (predecessors that answered differently are left out and counted apart).
with

comparison as (
    select * from {{ ref('int_panel_choice_comparison') }}
),

per_choice as (
    select
        wave_id,
        question_id,
        row_code,
        choice_code,
        compared_wave_id,
        compared_question_id,
        any_value(choice_label) as choice_label,
        any_value(compared_choice_codes) as compared_choice_codes,
        any_value(is_comparable_choice) as is_comparable_choice,
        any_value(question_position) as question_position,
        any_value(choice_position) as choice_position,
        count(*) filter (where pair_status = 'compared') as n_municipalities,
        count(*) filter (where pair_status = 'compared' and is_selected) as n_selected,
        count(*) filter (where pair_status = 'compared' and compared_is_selected) as compared_n_selected,
        count(*) filter (where pair_status = 'compared' and is_changed) as n_changed,
        count(*) filter (where pair_status = 'predecessors_differ') as n_predecessors_differ
    from comparison
    group by wave_id, question_id, row_code, choice_code, compared_wave_id, compared_question_id
),

with_pct as (
    select
        *,
        {{ pct_half_up('n_selected', 'n_municipalities') }} as pct,
        case
            when is_comparable_choice then {{ pct_half_up('compared_n_selected', 'n_municipalities') }}
        end as compared_pct
    from per_choice
    where n_municipalities > 0
)

select
    wave_id,
    question_id,
    row_code,
    choice_code,
    choice_label,
    compared_wave_id,
    compared_question_id,
    compared_choice_codes,
    n_municipalities,
    n_selected,
    pct,
    compared_pct,
    n_predecessors_differ,
    case when is_comparable_choice then compared_n_selected end as compared_n_selected,
    n_changed,
    {{ round_to('pct - compared_pct', 1) }} as pct_point_change
from with_pct
order by wave_id, question_position, row_code, choice_position
