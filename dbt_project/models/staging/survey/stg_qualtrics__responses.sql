-- One row per export row (every file, every row, whatever its quality), metadata typed, no PII.
with

export_rows as (
    select * from {{ source('raw', 'export_rows') }}
),

cells as (
    select * from {{ source('raw', 'export_cells') }}
),

file_columns as (
    select
        wave_id,
        source_file,
        bool_or(column_name = 'Status') as has_status_column,
        max(time_zone) filter (where column_name = 'StartDate') as start_time_zone,
        max(time_zone) filter (where column_name = 'EndDate') as end_time_zone,
        max(time_zone) filter (where column_name = 'RecordedDate') as recorded_time_zone
    from {{ source('raw', 'export_columns') }}
    group by wave_id, source_file
),

-- The codebook names the question that holds the municipality; its export tag is its id.
municipality_question as (
    select
        wave_id,
        question_id
    from {{ source('raw', 'codebook_questions') }}
    where role = 'municipality'
),

metadata as (
    select
        cells.wave_id,
        cells.source_file,
        cells.source_row,
        max(cells.cell_value) filter (where cells.column_name = 'ResponseId') as response_id,
        max(cells.cell_value) filter (where cells.column_name = 'Status') as status_text,
        max(cells.cell_value) filter (where cells.column_name = 'Progress') as progress_text,
        max(cells.cell_value) filter (where cells.column_name = 'Finished') as finished_text,
        max(cells.cell_value) filter (where cells.column_name = 'Duration (in seconds)') as duration_text,
        max(cells.cell_value) filter (where cells.column_name = 'StartDate') as start_date_text,
        max(cells.cell_value) filter (where cells.column_name = 'EndDate') as end_date_text,
        max(cells.cell_value) filter (where cells.column_name = 'RecordedDate') as recorded_date_text,
        max(cells.cell_value) filter (where cells.column_name = 'DistributionChannel') as distribution_channel,
        max(cells.cell_value) filter (where cells.column_name = 'UserLanguage') as user_language,
        max(cells.cell_value) filter (where cells.column_name = municipality_question.question_id)
            as municipality_text
    from cells
    left join municipality_question on cells.wave_id = municipality_question.wave_id
    group by cells.wave_id, cells.source_file, cells.source_row
)

select
    export_rows.wave_id,
    export_rows.source_file,
    export_rows.file_sha256,
    export_rows.source_row,
    export_rows.source_line,
    export_rows.row_issue,
    metadata.status_text,
    metadata.distribution_channel,
    metadata.user_language,
    nullif(trim(metadata.response_id), '') as response_id,
    -- Anonymised exports may leave out the Status column: their rows are taken as real responses.
    coalesce(
        {{ qualtrics_status_code('metadata.status_text') }},
        case when not file_columns.has_status_column then 0 end
    ) as status_code,
    cast(round({{ cast_or_null('trim(metadata.progress_text)', 'double') }}) as integer) as progress,
    {{ qualtrics_flag('metadata.finished_text') }} as is_finished,
    {{ cast_or_null('trim(metadata.duration_text)', 'integer') }} as duration_seconds,
    {{ qualtrics_timestamp_utc('metadata.start_date_text', 'file_columns.start_time_zone') }} as started_at_utc,
    {{ qualtrics_timestamp_utc('metadata.end_date_text', 'file_columns.end_time_zone') }} as ended_at_utc,
    {{ qualtrics_timestamp_utc('metadata.recorded_date_text', 'file_columns.recorded_time_zone') }}
        as recorded_at_utc,
    -- Names are not masked here: a respondent called like a municipality would lose their answer.
    nullif(trim({{ mask_contact_details('metadata.municipality_text') }}), '') as municipality_text
from export_rows
left join metadata
    on
        {{ same_response('export_rows', 'metadata') }}
left join file_columns
    on
        export_rows.wave_id = file_columns.wave_id
        and export_rows.source_file = file_columns.source_file
