-- Long form of the municipality profile: one integer per wave × municipality × indicator, named after the
-- codebook: `q6` (single / likert5: the code), `q3_c1` (multi: 1 chosen, 0 answered but not chosen),
-- `q31_r1_c7` (matrix cell, same), `q10_answered` (text: 1). NULL = not answered.
with

answers as (
    select * from {{ ref('int_municipality_answers') }}
),

answered_items as (
    select distinct
        wave_id,
        nis_code,
        question_id,
        question_type,
        row_code
    from answers
),

multi_cells as (
    select
        answered_items.wave_id,
        answered_items.nis_code,
        answered_items.question_id,
        lower(answered_items.question_id)
        || coalesce('_r' || answered_items.row_code, '') || '_c' || choices.choice_code as indicator,
        cast(answers.choice_code is not null as integer) as indicator_value,
        1000 * coalesce(answered_items.row_code, 0) + choices.position as order_within_question
    from answered_items
    inner join {{ ref('stg_codebook__choices') }} as choices
        on
            answered_items.wave_id = choices.wave_id
            and answered_items.question_id = choices.question_id
    left join answers
        on
            answered_items.wave_id = answers.wave_id
            and answered_items.nis_code = answers.nis_code
            and answered_items.question_id = answers.question_id
            and answered_items.row_code is not distinct from answers.row_code
            and choices.choice_code = answers.choice_code
    where answered_items.question_type in ('multi', 'matrix_multi')
),

indicators as (
    select
        wave_id,
        nis_code,
        question_id,
        lower(question_id) as indicator,
        choice_code as indicator_value,
        0 as order_within_question
    from answers
    where question_type in ('single', 'likert5')
    union all
    select
        wave_id,
        nis_code,
        question_id,
        lower(question_id) || '_answered' as indicator,
        1 as indicator_value,
        0 as order_within_question
    from answers
    where question_type = 'text'
    union all
    select * from multi_cells
)

-- indicator_order puts the columns of the wide profile in questionnaire order.
select
    indicators.wave_id,
    indicators.nis_code,
    indicators.indicator,
    indicators.indicator_value,
    100000 * questions.position + indicators.order_within_question as indicator_order
from indicators
inner join {{ ref('stg_codebook__questions') }} as questions
    on
        indicators.wave_id = questions.wave_id
        and indicators.question_id = questions.question_id
