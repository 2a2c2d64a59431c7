-- Everything the warehouse set aside or could not read, in one place, with file and row.
with

responses as (
    select
        wave_id,
        source_file,
        source_row,
        'response ' || status as finding_type,
        cast(null as varchar) as column_name,
        reason as finding
    from {{ ref('int_response_status') }}
    where status != 'valid'
),

undecodable_cells as (
    select
        wave_id,
        source_file,
        source_row,
        'undecodable cell' as finding_type,
        column_name,
        decode_issue || ': "' || cell_value || '"' as finding
    from {{ ref('int_decoded_cells') }}
    where decode_issue is not null
),

unmapped_columns as (
    select distinct
        wave_id,
        source_file,
        cast(null as integer) as source_row,
        'column of a question the codebook does not describe' as finding_type,
        column_name,
        'kept in raw.export_cells, not used' as finding
    from {{ ref('stg_qualtrics__answer_cells') }}
    where cell_kind = 'unmapped'
),

-- A codebook question an export has no column for: that file's respondents count as not answering it.
missing_questions as (
    select
        wave_id,
        source_file,
        cast(null as integer) as source_row,
        'question without a column in the export' as finding_type,
        question_id as column_name,
        'question ' || question_id || ' of the codebook has no column in this export: '
        || 'its answers in this file count as not given' as finding
    from {{ ref('int_export_missing_questions') }}
),

display_logic as (
    select
        wave_id,
        source_file,
        source_row,
        'display logic violation' as finding_type,
        column_name,
        finding
    from {{ ref('int_display_logic_violations') }}
),

-- What a wave's survey.qsf holds that the warehouse does not tabulate (contract §5.1).
survey_definition as (
    select
        wave_id,
        source_file,
        cast(null as integer) as source_row,
        finding_type,
        question_id as column_name,
        finding
    from {{ ref('stg_codebook__findings') }}
),

taskforce_rows as (
    select
        cast(null as varchar) as wave_id,
        source_file,
        source_row,
        'unusable Taskforce row' as finding_type,
        cast(null as varchar) as column_name,
        row_issue as finding
    from {{ ref('stg_taskforce__counts') }}
    where row_issue is not null
),

-- Taskforce rows and overrides name a municipality by NIS code: one that is on no map cannot be used.
coded_rows as (
    select
        source_file,
        source_row,
        nis_code,
        'Taskforce row for an unknown municipality' as finding_type
    from {{ ref('stg_taskforce__counts') }}
    where row_issue is null
    union all
    select
        source_file,
        source_row,
        nis_code,
        'override to an unknown municipality' as finding_type
    from {{ ref('stg_overrides__municipality_names') }}
),

unknown_codes as (
    select
        cast(null as varchar) as wave_id,
        coded_rows.source_file,
        coded_rows.source_row,
        coded_rows.finding_type,
        'nis_code' as column_name,
        'nis_code ' || coded_rows.nis_code || ' is on no municipality map' as finding
    from coded_rows
    where not exists (
        select candidates.nis_code from {{ ref('int_municipality_name_candidates') }} as candidates
        where coded_rows.nis_code = candidates.nis_code
    )
)

select * from responses
union all
select * from undecodable_cells
union all
select * from unmapped_columns
union all
select * from missing_questions
union all
select * from display_logic
union all
select * from survey_definition
union all
select * from taskforce_rows
union all
select * from unknown_codes
