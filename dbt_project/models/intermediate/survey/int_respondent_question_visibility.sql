-- Whether each valid respondent was shown each question (contract §2, display logic). A question with
-- `shown_if` is shown when the respondent's own answer to the earlier question holds one of the codes
-- AND that earlier question was itself shown, so chains (Q11 -> Q12 -> Q13) are followed to the root.
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

visibility (wave_id, source_file, source_row, question_id, is_shown) as (
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
    select
        visibility.wave_id,
        visibility.source_file,
        visibility.source_row,
        questions.question_id,
        visibility.is_shown
        and coalesce({{ arrays_overlap('selected_codes.codes', 'questions.shown_if_codes') }}, false)
    from visibility
    inner join questions
        on
            visibility.wave_id = questions.wave_id
            and visibility.question_id = questions.shown_if_question_id
    left join selected_codes
        on
            {{ same_response('visibility', 'selected_codes') }}
            and visibility.question_id = selected_codes.question_id
)

select * from visibility
