-- The report's unit: one row per wave × municipality × closed question × (matrix row) × chosen code
-- after consolidation, and one row per wave × municipality × answered text question.
with

choices as (
    select * from {{ ref('int_municipality_choice_answers') }}
),

texts as (
    select
        wave_id,
        nis_code,
        question_id,
        count(distinct response_id) as n_respondents_choosing
    from {{ ref('int_respondent_answers') }}
    where answer_kind = 'text' and nullif(trim(value_text), '') is not null
    group by wave_id, nis_code, question_id
),

answers as (
    select
        wave_id,
        nis_code,
        question_id,
        row_code,
        choice_code,
        n_respondents_choosing
    from choices
    union all
    select
        wave_id,
        nis_code,
        question_id,
        null as row_code,
        null as choice_code,
        n_respondents_choosing
    from texts
)

select
    answers.wave_id,
    answers.nis_code,
    answers.question_id,
    questions.question_type,
    answers.row_code,
    answers.choice_code,
    coalesce(choice_labels.label, 'answered') as answer_label,
    answers.n_respondents_choosing as n_respondents
from answers
inner join {{ ref('stg_codebook__questions') }} as questions
    on
        answers.wave_id = questions.wave_id
        and answers.question_id = questions.question_id
left join {{ ref('stg_codebook__choices') }} as choice_labels
    on
        answers.wave_id = choice_labels.wave_id
        and answers.question_id = choice_labels.question_id
        and answers.choice_code = choice_labels.choice_code
