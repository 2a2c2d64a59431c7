-- Answers of valid respondents to questions their own earlier answers hid: discarded, logged here.
with

decoded as (
    select * from {{ ref('int_decoded_cells') }}
    where decode_issue is null
),

hidden as (
    select * from {{ ref('int_respondent_question_visibility') }}
    where not is_shown
),

questions as (
    select * from {{ ref('stg_codebook__questions') }}
)

-- One row per respondent × hidden question (a multi-select answer holds several decoded codes).
select
    decoded.wave_id,
    decoded.source_file,
    decoded.source_row,
    decoded.question_id,
    questions.shown_if_question_id,
    string_agg(distinct decoded.column_name, ', ' order by decoded.column_name) as column_name,
    string_agg(decoded.cell_value, ', ' order by decoded.column_position) as cell_value,
    'answered ' || decoded.question_id || ' although it is shown only if ' || questions.shown_if_question_id
    || ' ' || questions.shown_if_operator || ' ' || array_to_string(questions.shown_if_codes, ', ')
        as finding
from decoded
inner join hidden
    on
        {{ same_response('decoded', 'hidden') }}
        and decoded.question_id = hidden.question_id
inner join questions
    on
        decoded.wave_id = questions.wave_id
        and decoded.question_id = questions.question_id
group by
    decoded.wave_id,
    decoded.source_file,
    decoded.source_row,
    decoded.question_id,
    questions.shown_if_question_id,
    questions.shown_if_operator,
    questions.shown_if_codes
