-- The order in which a municipality's valid respondents count (contract §2, primary first): highest
-- Progress, then most questions answered, then latest EndDate, then smallest ResponseId.
with

respondents as (
    select * from {{ ref('int_response_status') }}
    where status = 'valid'
),

responses as (
    select * from {{ ref('stg_qualtrics__responses') }}
),

answered as (
    select
        wave_id,
        source_file,
        source_row,
        count(distinct question_id) as n_questions_answered
    from {{ ref('int_respondent_answers') }}
    group by wave_id, source_file, source_row
)

select
    respondents.wave_id,
    respondents.nis_code,
    respondents.response_id,
    respondents.source_file,
    respondents.source_row,
    responses.progress,
    responses.ended_at_utc,
    coalesce(answered.n_questions_answered, 0) as n_questions_answered,
    row_number() over (
        partition by respondents.wave_id, respondents.nis_code
        order by
            responses.progress desc nulls last,
            coalesce(answered.n_questions_answered, 0) desc,
            responses.ended_at_utc desc nulls last,
            respondents.response_id asc
    ) as respondent_rank
from respondents
inner join responses
    on
        {{ same_response('respondents', 'responses') }}
left join answered
    on
        {{ same_response('respondents', 'answered') }}
