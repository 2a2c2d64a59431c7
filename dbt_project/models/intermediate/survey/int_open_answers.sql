-- Open answers per wave × municipality × question: free-text questions and "other, namely" fields,
-- one row per respondent's text (for qualitative coding; names and contact details never get here).
select
    answers.wave_id,
    answers.nis_code,
    municipalities.name_nl as municipality_name,
    answers.question_id,
    questions.label as question_label,
    answers.choice_code as other_choice_code,
    answers.response_id,
    answers.value_text as answer_text
from {{ ref('int_respondent_answers') }} as answers
inner join {{ ref('stg_codebook__questions') }} as questions
    on
        answers.wave_id = questions.wave_id
        and answers.question_id = questions.question_id
left join {{ ref('int_wave_municipalities') }} as municipalities
    on
        answers.wave_id = municipalities.wave_id
        and answers.nis_code = municipalities.nis_code
where
    answers.answer_kind in ('text', 'other_text')
    and nullif(trim(answers.value_text), '') is not null
    and questions.role is distinct from 'municipality'
order by answers.wave_id, answers.nis_code, questions.position, answers.response_id
