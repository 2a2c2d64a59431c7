-- Numbers respondents reported (Q14 in wave 1: people received) beside the Taskforce count of their
-- municipality. Survey numbers are not consolidated: each respondent keeps their own.
select
    answers.wave_id,
    answers.nis_code,
    answers.response_id,
    answers.question_id,
    answers.value_number as reported,
    reception.persons as taskforce_persons,
    reception.snapshot_date as taskforce_snapshot_date,
    answers.value_number - reception.persons as difference,
    {{ round_to(
        'cast(answers.value_number as ' ~ type_double() ~ ') / nullif(reception.persons, 0)', 2
    ) }} as ratio_to_taskforce,
    -- More than one distinct number (PostgreSQL has no count(distinct) over a window).
    coalesce(
        min(answers.value_number) over (partition by answers.wave_id, answers.nis_code, answers.question_id)
        < max(answers.value_number) over (partition by answers.wave_id, answers.nis_code, answers.question_id),
        false
    ) as colleagues_disagree
from {{ ref('int_respondent_answers') }} as answers
left join {{ ref('int_taskforce_reception') }} as reception
    on
        answers.wave_id = reception.wave_id
        and answers.nis_code = reception.nis_code
where answers.answer_kind = 'number'
