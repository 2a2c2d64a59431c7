-- Consolidated closed answers per municipality (contract §2): single / likert5 from the first answering
-- respondent in primary-first order; multi and each matrix row the union of all answering respondents,
-- exclusive codes dropped when the union holds a non-exclusive code, else the first answerer's codes.
with

answers as (
    select * from {{ ref('int_respondent_answers_ranked') }}
    where answer_kind = 'choice'
),

per_item as (
    select
        *,
        min(respondent_rank) over item as first_answering_rank,
        bool_or(not is_exclusive) over item as union_has_non_exclusive
    from answers
    window item as (partition by wave_id, nis_code, question_id, row_code)
)

select
    wave_id,
    nis_code,
    question_id,
    question_type,
    row_code,
    choice_code,
    count(distinct response_id) as n_respondents_choosing
from per_item
where
    case
        when question_type in ('single', 'likert5') then respondent_rank = first_answering_rank
        when union_has_non_exclusive then not is_exclusive
        else respondent_rank = first_answering_rank
    end
group by wave_id, nis_code, question_id, question_type, row_code, choice_code
