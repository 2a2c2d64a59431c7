-- Valid respondents' answers with what consolidation needs beside them: the respondent's place in the
-- primary-first order of its municipality, and whether the chosen code is exclusive.
select
    answers.*,
    priority.respondent_rank,
    coalesce(choices.is_exclusive, false) as is_exclusive
from {{ ref('int_respondent_answers') }} as answers
inner join {{ ref('int_respondent_priority') }} as priority
    on
        {{ same_response('answers', 'priority') }}
left join {{ ref('stg_codebook__choices') }} as choices
    on
        answers.wave_id = choices.wave_id
        and answers.question_id = choices.question_id
        and answers.choice_code = choices.choice_code
