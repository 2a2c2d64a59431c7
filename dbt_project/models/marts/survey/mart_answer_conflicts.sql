-- Where a municipality's respondents disagree (contract §2: recorded, never silently lost): different
-- single / likert5 codes, different numbers, and exclusive codes the multi-select union dropped.
with

-- Respondent-level questions (the respondent's own function, Q2) are not consolidated: no conflict there.
answers as (
    select * from {{ ref('int_respondent_answers_ranked') }}
    where question_unit != 'respondent'
),

single_conflicts as (
    select
        wave_id,
        nis_code,
        question_id,
        row_code,
        'different answers' as conflict_type,
        string_agg(response_id || ' (rank ' || respondent_rank || '): ' || choice_code, '; ' order by respondent_rank)
            as answers_given,
        cast((array_agg(choice_code order by respondent_rank))[1] as varchar) as kept
    from answers
    where question_type in ('single', 'likert5') and answer_kind = 'choice'
    group by wave_id, nis_code, question_id, row_code
    having count(distinct choice_code) > 1
),

number_conflicts as (
    select
        wave_id,
        nis_code,
        question_id,
        row_code,
        'different numbers' as conflict_type,
        string_agg(response_id || ' (rank ' || respondent_rank || '): ' || value_number, '; ' order by respondent_rank)
            as answers_given,
        'all kept per respondent' as kept
    from answers
    where answer_kind = 'number'
    group by wave_id, nis_code, question_id, row_code
    having count(distinct value_number) > 1
),

dropped_exclusive as (
    select
        wave_id,
        nis_code,
        question_id,
        row_code,
        'exclusive code dropped by the union' as conflict_type,
        string_agg(
            response_id || ' (rank ' || respondent_rank || '): ' || choice_code, '; '
            order by respondent_rank, choice_code
        ) as answers_given,
        'non-exclusive codes of all respondents' as kept
    from answers
    where question_type in ('multi', 'matrix_multi') and answer_kind = 'choice'
    group by wave_id, nis_code, question_id, row_code
    having bool_or(is_exclusive) and bool_or(not is_exclusive)
)

select * from single_conflicts
union all
select * from number_conflicts
union all
select * from dropped_exclusive
