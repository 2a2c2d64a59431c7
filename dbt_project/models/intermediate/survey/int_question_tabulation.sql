-- Counts per wave × unit × closed question × (matrix row) × choice, and per text question, for both
-- units of analysis. n_answered = units that answered the question (row); choices nobody chose show 0.
with

unit_answers as (
    select * from {{ ref('int_unit_answers') }}
),

questions as (
    select * from {{ ref('stg_codebook__questions') }}
    where is_closed or question_type = 'text'
),

units as (
    select unnest(array['municipality', 'respondent']) as unit
),

-- Every cell that must appear: closed questions by choice (and row), text questions once.
scaffold as (
    select
        questions.wave_id,
        units.unit,
        questions.question_id,
        questions.question_type,
        matrix_rows.row_code,
        choices.choice_code,
        choices.label as choice_label,
        questions.position as question_position,
        choices.position as choice_position
    from questions
    cross join units
    left join {{ ref('stg_codebook__choices') }} as choices
        on
            questions.wave_id = choices.wave_id
            and questions.question_id = choices.question_id
    left join {{ ref('stg_codebook__matrix_rows') }} as matrix_rows
        on
            questions.wave_id = matrix_rows.wave_id
            and questions.question_id = matrix_rows.question_id
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
