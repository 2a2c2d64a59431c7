-- Contract §4: one row per wave × closed question with comparable_to × (matrix row) × choice of that
-- wave, where both waves have answers; percentages rounded half-up as in mart_question_result.
with

trend as (
    select
        *,
        {{ pct_half_up('n_selected', 'n_answered') }} as pct,
        {{ pct_half_up('compared_n_selected', 'compared_n_answered') }} as compared_pct
    from {{ ref('int_question_trend') }}
)

select
    wave_id,
    question_id,
    row_code,
    choice_code,
    choice_label,
    unit,
    n_selected,
    n_answered,
    pct,
    compared_wave_id,
    compared_question_id,
    compared_choice_codes,
    compared_n_selected,
    compared_n_answered,
    compared_pct,
    {{ round_to('pct - compared_pct', 1) }} as pct_point_change
from trend
order by wave_id, question_position, row_code, choice_position
