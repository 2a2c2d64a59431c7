-- Whether each valid respondent was shown each question (contract §2, display logic). A question with
-- `shown_if` is shown when the respondent's own answer to the earlier question holds one of the codes
-- AND that earlier question was itself shown, so chains (Q11 -> Q12 -> Q13) are followed to the root.
-- The chains are followed in the codebook (a few dozen rows), not per respondent: a question is shown
-- when every condition on its chain holds. A join and a group-by spill to disk; a recursion over every
-- respondent × question keeps its working tables in memory (out of memory at a million respondents).
{{ config(pre_hook="{{ without_nested_loops() }}") }}

with recursive

respondents as (
    select
        wave_id,
        source_file,
        source_row
    from {{ ref('int_response_status') }}
    where status = 'valid'
),

questions as (
    select * from {{ ref('stg_codebook__questions') }}
),

-- Every condition on a conditional question's chain: its own `shown_if`, then its parent's, up to a
-- question that is always shown.
chain_conditions (wave_id, question_id, condition_question_id, condition_codes) as (
    select
        wave_id,
        question_id,
        shown_if_question_id,
        shown_if_codes
    from questions
    where shown_if_question_id is not null
    union all
    select
        chain_conditions.wave_id,
        chain_conditions.question_id,
        parents.shown_if_question_id,
        parents.shown_if_codes
    from chain_conditions
    inner join questions as parents
        on
            chain_conditions.wave_id = parents.wave_id
            and chain_conditions.condition_question_id = parents.question_id
    where parents.shown_if_question_id is not null
),

selected_codes as (
    select
        wave_id,
        source_file,
        source_row,
        question_id,
        array_agg(distinct choice_code) as codes
    from {{ ref('int_decoded_cells') }}
    where decode_issue is null and answer_kind = 'choice'
    group by wave_id, source_file, source_row, question_id
),

conditional as (
    select
        respondents.wave_id,
        respondents.source_file,
        respondents.source_row,
        chain_conditions.question_id,
        bool_and(
            coalesce({{ arrays_overlap('selected_codes.codes', 'chain_conditions.condition_codes') }}, false)
        ) as is_shown
    from respondents
    inner join chain_conditions on respondents.wave_id = chain_conditions.wave_id
    left join selected_codes
        on
            {{ same_response('respondents', 'selected_codes') }}
            and chain_conditions.condition_question_id = selected_codes.question_id
    group by respondents.wave_id, respondents.source_file, respondents.source_row, chain_conditions.question_id
)

select
    respondents.wave_id,
    respondents.source_file,
    respondents.source_row,
    questions.question_id,
    true as is_shown
from respondents
inner join questions on respondents.wave_id = questions.wave_id
where questions.shown_if_question_id is null
union all
select * from conditional
