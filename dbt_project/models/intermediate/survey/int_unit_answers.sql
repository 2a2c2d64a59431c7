-- Answers per unit of analysis, the one input of every tabulation: `municipality` (consolidated) and
-- `respondent` (each valid questionnaire). Closed answers carry a choice; texts carry their non-blank
-- text. Every row is an answer, so "answered" is simply "has a row".
with

respondent_answers as (
    select * from {{ ref('int_respondent_answers') }}
    where answer_kind = 'choice' or (answer_kind = 'text' and nullif(trim(value_text), '') is not null)
)

select
    wave_id,
    'municipality' as unit,
    nis_code as unit_id,
    question_id,
    row_code,
    choice_code,
    cast(null as varchar) as value_text
from {{ ref('int_municipality_choice_answers') }}
union all
select
    wave_id,
    'municipality' as unit,
    nis_code as unit_id,
    question_id,
    row_code,
    null as choice_code,
    value_text
from respondent_answers
where answer_kind = 'text'
union all
select
    wave_id,
    'respondent' as unit,
    response_id as unit_id,
    question_id,
    row_code,
    choice_code,
    value_text
from respondent_answers
