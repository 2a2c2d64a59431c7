-- The verdict on every export row (contract §2): `valid`, `excluded` (not a real response, an identical
-- repeat, nothing answered, superseded by a later API pull) or `quarantined` (cannot be trusted or
-- placed), with the reason.
with

responses as (
    select * from {{ ref('stg_qualtrics__responses') }}
),

content as (
    select * from {{ ref('int_response_content') }}
),

resolution as (
    select * from {{ ref('int_response_municipality_resolution') }}
),

-- Contract §5.2: a response an API pull brought (`qualtrics_*.csv`, names in pull order) is the row of
-- the latest pull that holds its ResponseId; earlier pulls' rows, and a hand-delivered export's row with
-- that ResponseId in the wave, are superseded. Hand-delivered exports alone keep the rules below.
latest_pulls as (
    select
        wave_id,
        response_id,
        max(source_file) as latest_pull_file
    from responses
    where response_id is not null and {{ is_api_pull('source_file') }}
    group by wave_id, response_id
),

superseded as (
    select
        responses.wave_id,
        responses.source_file,
        responses.source_row
    from responses
    inner join latest_pulls
        on
            responses.wave_id = latest_pulls.wave_id
            and responses.response_id = latest_pulls.response_id
    where responses.source_file != latest_pulls.latest_pull_file
),

-- Rows sharing a ResponseId (superseded rows aside): identical content makes them repeats of the first,
-- different content makes all of them suspect.
response_ids as (
    select
        responses.wave_id,
        responses.source_file,
        responses.source_row,
        count(*) over same_id as n_rows_with_id,
        -- Distinct fingerprints per ResponseId; PostgreSQL has no count(distinct) over a window.
        dense_rank() over (same_id order by content.content_fingerprint)
        + dense_rank() over (same_id order by content.content_fingerprint desc)
        - 1 as n_versions_with_id,
        row_number() over (same_id order by responses.source_file, responses.source_row) as occurrence,
        first_value(responses.source_file || ' row ' || responses.source_row) over (
            same_id order by responses.source_file, responses.source_row
        ) as first_occurrence
    from responses
    inner join content
        on
            {{ same_response('responses', 'content') }}
    left join superseded
        on
            {{ same_response('responses', 'superseded') }}
    where responses.response_id is not null and superseded.source_row is null
    window same_id as (partition by responses.wave_id, responses.response_id)
),

judged as (
    select
        responses.wave_id,
        responses.response_id,
        responses.source_file,
        responses.source_row,
        responses.municipality_text,
        resolution.nis_code,
        resolution.method,
        case
            when responses.row_issue is not null then 'quarantined'
            when responses.response_id is null then 'quarantined'
            when superseded.source_row is not null then 'excluded'
            when responses.status_code is null or responses.status_code not in (0, 4, 16) then 'excluded'
            when response_ids.n_versions_with_id > 1 then 'quarantined'
            when response_ids.occurrence > 1 then 'excluded'
            when content.n_substantive_questions = 0 then 'excluded'
            when resolution.nis_code is null then 'quarantined'
            else 'valid'
        end as status,
        case
            when responses.row_issue is not null then 'malformed row: ' || responses.row_issue
            when responses.response_id is null then 'no ResponseId'
            when superseded.source_row is not null then 'superseded by a later pull'
            when responses.status_code is null
                then 'unknown Status ' || coalesce('"' || responses.status_text || '"', '(empty)')
            when responses.status_code not in (0, 4, 16)
                then 'not a real response: Status ' || responses.status_code
            when response_ids.n_versions_with_id > 1
                then 'ResponseId occurs in ' || response_ids.n_rows_with_id || ' rows with different content'
            when response_ids.occurrence > 1 then 'identical repeat of ' || response_ids.first_occurrence
            when content.n_substantive_questions = 0 then 'no answer besides the municipality and profile questions'
            when resolution.nis_code is null then 'municipality unresolved: ' || resolution.unresolved_reason
        end as reason
    from responses
    inner join content
        on
            {{ same_response('responses', 'content') }}
    inner join resolution
        on
            {{ same_response('responses', 'resolution') }}
    left join response_ids
        on
            {{ same_response('responses', 'response_ids') }}
    left join superseded
        on
            {{ same_response('responses', 'superseded') }}
)

select * from judged
