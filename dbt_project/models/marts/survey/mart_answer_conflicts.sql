-- Where a municipality's respondents disagree (contract §2: recorded, never silently lost): different
-- single / likert5 codes, different numbers, and exclusive codes the multi-select union dropped.
-- Built to scale: conflicts are found with fixed-size aggregates (they spill to disk), and the answer
-- list names the first answers by rank only: an ordered text aggregate keeps its whole group in memory.
{%- set listed_answers_max = 20 %}
with

-- Respondent-level questions (the respondent's own function, Q2) are not consolidated: no conflict there.
-- Each answer that can conflict, with its conflict type and the text it is listed with.
answers as (
    select
        wave_id,
        nis_code,
        question_id,
        row_code,
        respondent_rank,
        response_id,
        choice_code,
        value_number,
        is_exclusive,
        case
            when answer_kind = 'number' then 'different numbers'
            when question_type in ('single', 'likert5') then 'different answers'
            else 'exclusive code dropped by the union'
        end as conflict_type,
        response_id || ' (rank ' || respondent_rank || '): '
        || case when answer_kind = 'number' then cast(value_number as varchar) else cast(choice_code as varchar) end
            as answer_listed
    from {{ ref('int_respondent_answers_ranked') }}
    where
        question_unit != 'respondent'
        and (
            answer_kind = 'number'
            or (answer_kind = 'choice' and question_type in ('single', 'likert5', 'multi', 'matrix_multi'))
        )
),

conflicting_items as (
    select
        wave_id,
        nis_code,
        question_id,
        row_code,
        conflict_type,
        count(*) as answers_total
    from answers
    group by wave_id, nis_code, question_id, row_code, conflict_type
    having
        (conflict_type = 'different answers' and min(choice_code) != max(choice_code))
        or (conflict_type = 'different numbers' and min(value_number) != max(value_number))
        or (
            conflict_type = 'exclusive code dropped by the union'
            and bool_or(is_exclusive) and bool_or(not is_exclusive)
        )
),

numbered_answers as (
    select
        answers.*,
        conflicting_items.answers_total,
        row_number() over (
            partition by
                answers.wave_id, answers.nis_code, answers.question_id, answers.row_code, answers.conflict_type
            order by answers.respondent_rank, answers.choice_code
        ) as listed_order
    from answers
    inner join conflicting_items
        on
            answers.wave_id = conflicting_items.wave_id
            and answers.nis_code = conflicting_items.nis_code
            and answers.question_id = conflicting_items.question_id
            and answers.row_code is not distinct from conflicting_items.row_code
            and answers.conflict_type = conflicting_items.conflict_type
),

-- Every conflicting item has at least two answers, so each keeps its row here.
listed as (
    select
        wave_id,
        nis_code,
        question_id,
        row_code,
        conflict_type,
        answers_total,
        string_agg(answer_listed, '; ' order by listed_order) as answers_listed,
        max(case when listed_order = 1 then cast(choice_code as varchar) end) as primary_choice_code
    from numbered_answers
    where listed_order <= {{ listed_answers_max }}
    group by wave_id, nis_code, question_id, row_code, conflict_type, answers_total
)

select
    wave_id,
    nis_code,
    question_id,
    row_code,
    conflict_type,
    answers_listed
    || case
        when answers_total > {{ listed_answers_max }}
            then '; +' || (answers_total - {{ listed_answers_max }}) || ' more'
        else ''
    end as answers_given,
    case conflict_type
        when 'different answers' then primary_choice_code
        when 'different numbers' then 'all kept per respondent'
        else 'non-exclusive codes of all respondents'
    end as kept,
    answers_total
from listed
