-- Long form of the municipality profile: one integer per wave × municipality × indicator, named by the
-- codebook item's profile_column (int_codebook_items): the code of a single / likert5 question, 1 or 0 per
-- choice (and matrix row) of a multi question that was answered, 1 for an answered text. NULL = not answered.
with

answers as (
    select * from {{ ref('int_municipality_answers') }}
),

items as (
    select * from {{ ref('int_codebook_items') }}
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
        items.profile_column as indicator,
        cast(answers.choice_code is not null as integer) as indicator_value,
        1000 * coalesce(answered_items.row_code, 0) + items.choice_position as order_within_question
    from answered_items
    inner join items
        on
            answered_items.wave_id = items.wave_id
            and answered_items.question_id = items.question_id
            and answered_items.row_code is not distinct from items.row_code
    left join answers
        on
            answered_items.wave_id = answers.wave_id
            and answered_items.nis_code = answers.nis_code
            and answered_items.question_id = answers.question_id
            and answered_items.row_code is not distinct from answers.row_code
            and items.choice_code = answers.choice_code
    where answered_items.question_type in ('multi', 'matrix_multi')
),

-- Single, likert5 and text questions: one column per question.
question_columns as (
    select distinct
        wave_id,
        question_id,
        question_position,
        profile_column
    from items
    where question_type in ('single', 'likert5', 'text')
),

indicators as (
    select
        answers.wave_id,
        answers.nis_code,
        answers.question_id,
        question_columns.profile_column as indicator,
        case when answers.question_type = 'text' then 1 else answers.choice_code end as indicator_value,
        0 as order_within_question
    from answers
    inner join question_columns
        on
            answers.wave_id = question_columns.wave_id
            and answers.question_id = question_columns.question_id
    union all
    select * from multi_cells
),

question_positions as (
    select distinct
        wave_id,
        question_id,
        question_position
    from items
)

-- indicator_order puts the columns of the wide profile in questionnaire order.
select
    indicators.wave_id,
    indicators.nis_code,
    indicators.indicator,
    indicators.indicator_value,
    100000 * question_positions.question_position + indicators.order_within_question as indicator_order
from indicators
inner join question_positions
    on
        indicators.wave_id = question_positions.wave_id
        and indicators.question_id = question_positions.question_id
