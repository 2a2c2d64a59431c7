-- The answers of valid respondents that count: decoded without issue and shown by the display logic.
-- One row per respondent × question × (matrix row) × choice, or per text / number answer.
{{ config(pre_hook="{{ without_nested_loops() }}") }}

with

decoded as (
    select * from {{ ref('int_decoded_cells') }}
    where decode_issue is null
),

visibility as (
    select * from {{ ref('int_respondent_question_visibility') }}
),

respondents as (
    select * from {{ ref('int_response_status') }}
    where status = 'valid'
)

select
    decoded.wave_id,
    respondents.response_id,
    decoded.source_file,
    decoded.source_row,
    respondents.nis_code,
    decoded.question_id,
    decoded.question_type,
    decoded.answer_kind,
    decoded.row_code,
    decoded.choice_code,
    decoded.value_text,
    decoded.value_number
from decoded
inner join respondents
    on
        {{ same_response('decoded', 'respondents') }}
inner join visibility
    on
        {{ same_response('decoded', 'visibility') }}
        and decoded.question_id = visibility.question_id
where visibility.is_shown
