-- Counts per wave × closed question × (matrix row) × choice, and per text question, over the question's
-- own unit of analysis (the codebook's `unit`: municipality unless it says respondent).
-- n_answered = units that answered the question (row); choices nobody chose show 0.
with

unit_answers as (
    select * from {{ ref('int_unit_answers') }}
),

-- Every cell that must appear: closed questions by choice (and row), text questions once.
scaffold as (
    select
        wave_id,
        unit,
        question_id,
        question_type,
        row_code,
        choice_code,
        choice_label,
        question_position,
        choice_position
    from {{ ref('int_codebook_items') }}
    where is_closed or question_type = 'text'
),

answered as (
    select
        wave_id,
        unit,
        question_id,
        row_code,
        count(distinct unit_id) as n_answered
    from unit_answers
    group by wave_id, unit, question_id, row_code
),

selected as (
    select
        wave_id,
        unit,
        question_id,
        row_code,
        choice_code,
        count(distinct unit_id) as n_selected
    from unit_answers
    where choice_code is not null
    group by wave_id, unit, question_id, row_code, choice_code
)

select
    scaffold.wave_id,
    scaffold.unit,
    scaffold.question_id,
    scaffold.question_type,
    scaffold.row_code,
    scaffold.choice_code,
    scaffold.choice_label,
    scaffold.question_position,
    scaffold.choice_position,
    coalesce(answered.n_answered, 0) as n_answered,
    case
        when scaffold.question_type = 'text' then coalesce(answered.n_answered, 0)
        else coalesce(selected.n_selected, 0)
    end as n_selected
from scaffold
left join answered
    on
        scaffold.wave_id = answered.wave_id
        and scaffold.unit = answered.unit
        and scaffold.question_id = answered.question_id
        and scaffold.row_code is not distinct from answered.row_code
left join selected
    on
        scaffold.wave_id = selected.wave_id
        and scaffold.unit = selected.unit
        and scaffold.question_id = selected.question_id
        and scaffold.row_code is not distinct from selected.row_code
        and scaffold.choice_code = selected.choice_code
