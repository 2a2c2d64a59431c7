-- Valid respondents' answers with what consolidation needs beside them: the respondent's place in the
-- primary-first order of its municipality, whether the chosen code is exclusive, and the question's
-- unit of analysis (respondent-level questions are not consolidated).
select
    answers.*,
    priority.respondent_rank,
    coalesce(choices.is_exclusive, false) as is_exclusive,
    questions.unit as question_unit
from {{ ref('int_respondent_answers') }} as answers
inner join {{ ref('int_respondent_priority') }} as priority
    on
        {{ same_response('answers', 'priority') }}
inner join {{ ref('stg_codebook__questions') }} as questions
    on
        answers.wave_id = questions.wave_id
        and answers.question_id = questions.question_id
left join {{ ref('stg_codebook__choices') }} as choices
    on
        answers.wave_id = choices.wave_id
        and answers.question_id = choices.question_id
        and answers.choice_code = choices.choice_code
