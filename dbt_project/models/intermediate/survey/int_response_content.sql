-- Per export row: how many questions it answers that count for validity (anything but the municipality
-- and respondent-profile questions, i.e. besides Q1/Q2 in wave 1) and a fingerprint of its content, so an
-- identical repeat is recognised whatever export format it came in.
with

decoded as (
    select * from {{ ref('int_decoded_cells') }}
    where decode_issue is null
),

questions as (
    select * from {{ ref('stg_codebook__questions') }}
),

answer_summary as (
    select
        decoded.wave_id,
        decoded.source_file,
        decoded.source_row,
        count(distinct decoded.question_id) filter (
            where questions.unit != 'respondent' and questions.role is distinct from 'municipality'
        ) as n_substantive_questions,
        -- The answers as a multiset: a sum of per-answer hashes (exact, in hugeint) is order-free and
        -- a fixed-size state that spills; an ordered string_agg holds every answer of every row in
        -- memory (out of memory at a million respondents, bench/README.md).
        sum(
            {{ hash_text("concat_ws('|', decoded.question_id, decoded.row_code, decoded.choice_code, "
                ~ "decoded.answer_kind, decoded.value_text, decoded.value_number)") }}
        ) as answers_hash
    from decoded
    inner join questions
        on
            decoded.wave_id = questions.wave_id
            and decoded.question_id = questions.question_id
    group by decoded.wave_id, decoded.source_file, decoded.source_row
)

select
    responses.wave_id,
    responses.source_file,
    responses.source_row,
    coalesce(answer_summary.n_substantive_questions, 0) as n_substantive_questions,
    md5(
        concat_ws(
            -- EndDate to the minute: an Excel re-save drops the seconds of the same response.
            '|', responses.status_code, responses.progress, responses.is_finished,
            date_trunc('minute', responses.ended_at_utc),
            responses.municipality_text, coalesce(cast(answer_summary.answers_hash as varchar), '')
        )
    ) as content_fingerprint
from {{ ref('stg_qualtrics__responses') }} as responses
left join answer_summary
    on
        {{ same_response('responses', 'answer_summary') }}
