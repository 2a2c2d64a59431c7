-- The same municipalities across waves, on the 2025 map: per later wave × question with comparable_to ×
-- (matrix row) × choice × 2025 municipality that answered either wave, whether it holds the choice now
-- and held any of the earlier codes the choice stands for then. `comparison_status` says whether the
-- pair can be compared: a 2025 municipality whose predecessors answered differently is flagged
-- (`predecessors_differ`) and never averaged or reduced to one of them.
{{ config(pre_hook="{{ without_nested_loops() }}") }}

with

answers as (
    select * from {{ ref('int_municipality_answers_2025') }}
),

compared_codes as (
    select * from {{ ref('int_compared_choice_codes') }}
),

compared_questions as (
    select distinct
        wave_id,
        question_id,
        compared_wave_id,
        compared_question_id
    from compared_codes
),

-- Each answer on either side of a comparison: to the later question itself (is_later), or to the earlier
-- question it continues.
sides as (
    select
        compared_questions.*,
        side.is_later,
        answers.row_code,
        answers.nis_code_2025,
        answers.codes,
        answers.n_distinct_answers,
        answers.source_answers,
        answers.n_source_municipalities,
        answers.n_predecessors
    from compared_questions
    cross join (values (true), (false)) as side (is_later)
    inner join answers
        on
            answers.wave_id = case
                when side.is_later then compared_questions.wave_id else compared_questions.compared_wave_id
            end
            and answers.question_id = case
                when side.is_later then compared_questions.question_id else compared_questions.compared_question_id
            end
),

-- Every (row, municipality) that answered the later question or the earlier one it continues, both
-- sides beside each other (each side holds at most one answer per row and municipality).
pairs as (
    select
        wave_id,
        question_id,
        compared_wave_id,
        compared_question_id,
        row_code,
        nis_code_2025,
        any_value(codes) filter (where is_later) as answer_codes,
        any_value(n_distinct_answers) filter (where is_later) as n_distinct_answers,
        any_value(source_answers) filter (where is_later) as source_answers,
        any_value(codes) filter (where not is_later) as compared_answer_codes,
        any_value(n_distinct_answers) filter (where not is_later) as compared_n_distinct_answers,
        any_value(source_answers) filter (where not is_later) as compared_source_answers,
        any_value(n_source_municipalities) filter (where not is_later) as compared_n_source_municipalities,
        any_value(n_predecessors) filter (where not is_later) as compared_n_predecessors
    from sides
    group by wave_id, question_id, compared_wave_id, compared_question_id, row_code, nis_code_2025
),

status as (
    select
        *,
        case
            when source_answers is null then 'only_compared_wave'
            when compared_source_answers is null then 'only_this_wave'
            when n_distinct_answers > 1 or compared_n_distinct_answers > 1 then 'predecessors_differ'
            else 'compared'
        end as pair_status
    from pairs
),

-- Whether a compared pair changed, judged in the earlier wave's codes so that split and folded codes
-- compare fairly: unchanged when every later choice held has an earlier code it stands for in the
-- earlier answer, and every earlier code that some later choice stands for is covered by the later
-- answer. (A later "Ja, beperkt" and "Ja, sterk" both stand for an earlier "Ja": either is unchanged.)
choice_pairs as (
    select
        status.wave_id,
        status.question_id,
        status.row_code,
        status.nis_code_2025,
        status.compared_answer_codes,
        compared_codes.codes,
        coalesce(compared_codes.choice_code = any(status.answer_codes), false) as is_held
    from status
    inner join compared_codes
        on
            status.wave_id = compared_codes.wave_id
            and status.question_id = compared_codes.question_id
    where status.pair_status = 'compared'
),

-- Each earlier code a later choice stands for (one row per code).
stands_for as (
    select
        wave_id,
        question_id,
        row_code,
        nis_code_2025,
        is_held,
        unnest(codes) as compared_code
    from choice_pairs
),

stood_for_codes as (
    select
        wave_id,
        question_id,
        row_code,
        nis_code_2025,
        array_agg(distinct compared_code order by compared_code) filter (
            where is_held
        ) as answer_as_compared_codes,
        array_agg(distinct compared_code order by compared_code) as all_compared_codes
    from stands_for
    group by wave_id, question_id, row_code, nis_code_2025
),

pair_change as (
    select
        choice_pairs.wave_id,
        choice_pairs.question_id,
        choice_pairs.row_code,
        choice_pairs.nis_code_2025,
        coalesce(
            any_value(stood_for_codes.answer_as_compared_codes), {{ empty_array('integer') }}
        ) as answer_as_compared_codes,
        coalesce(any_value(stood_for_codes.all_compared_codes), {{ empty_array('integer') }}) as all_compared_codes,
        coalesce(bool_and(
            {{ arrays_overlap('choice_pairs.codes', 'choice_pairs.compared_answer_codes') }}
        ) filter (
            where choice_pairs.is_held and cardinality(choice_pairs.codes) > 0
        ), true) as every_choice_held_before,
        any_value(choice_pairs.compared_answer_codes) as compared_answer_codes
    from choice_pairs
    left join stood_for_codes
        on
            choice_pairs.wave_id = stood_for_codes.wave_id
            and choice_pairs.question_id = stood_for_codes.question_id
            and coalesce(choice_pairs.row_code, -1) = coalesce(stood_for_codes.row_code, -1)
            and choice_pairs.nis_code_2025 = stood_for_codes.nis_code_2025
    group by choice_pairs.wave_id, choice_pairs.question_id, choice_pairs.row_code, choice_pairs.nis_code_2025
)

select
    status.wave_id,
    status.question_id,
    status.row_code,
    compared_codes.choice_code,
    choices.label as choice_label,
    questions.position as question_position,
    choices.position as choice_position,
    status.nis_code_2025,
    status.compared_wave_id,
    status.compared_question_id,
    status.answer_codes,
    status.source_answers,
    status.compared_answer_codes,
    status.compared_source_answers,
    status.compared_n_source_municipalities,
    status.compared_n_predecessors,
    status.pair_status,
    pair_change.answer_as_compared_codes,
    (
        not pair_change.every_choice_held_before
        or not {{ array_contains_all(
            'pair_change.answer_as_compared_codes',
            array_intersect('pair_change.compared_answer_codes', 'pair_change.all_compared_codes')
        ) }}
    ) as is_changed,
    nullif(array_to_string(compared_codes.codes, ','), '') as compared_choice_codes,
    cardinality(compared_codes.codes) > 0 as is_comparable_choice,
    compared_codes.choice_code = any(status.answer_codes) as is_selected,
    {{ arrays_overlap('status.compared_answer_codes', 'compared_codes.codes') }} as compared_is_selected
from status
inner join compared_codes
    on
        status.wave_id = compared_codes.wave_id
        and status.question_id = compared_codes.question_id
left join pair_change
    on
        status.wave_id = pair_change.wave_id
        and status.question_id = pair_change.question_id
        and coalesce(status.row_code, -1) = coalesce(pair_change.row_code, -1)
        and status.nis_code_2025 = pair_change.nis_code_2025
inner join {{ ref('stg_codebook__choices') }} as choices
    on
        compared_codes.wave_id = choices.wave_id
        and compared_codes.question_id = choices.question_id
        and compared_codes.choice_code = choices.choice_code
inner join {{ ref('stg_codebook__questions') }} as questions
    on
        status.wave_id = questions.wave_id
        and status.question_id = questions.question_id
