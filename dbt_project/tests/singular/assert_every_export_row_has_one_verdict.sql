-- Nothing is dropped silently: every row of every export has exactly one verdict in the audit mart.
{{ config(meta={'dagster': {'ref': {'name': 'mart_respondent_resolution'}}}) }}

with

exported as (
    select
        wave_id,
        source_file,
        source_row
    from {{ source('raw', 'export_rows') }}
),

verdicts as (
    select
        wave_id,
        source_file,
        source_row,
        count(*) as n_verdicts
    from {{ ref('mart_respondent_resolution') }}
    group by wave_id, source_file, source_row
)

select
    exported.wave_id,
    exported.source_file,
    exported.source_row,
    coalesce(verdicts.n_verdicts, 0) as n_verdicts
from exported
left join verdicts
    on
        exported.wave_id = verdicts.wave_id
        and exported.source_file = verdicts.source_file
        and exported.source_row = verdicts.source_row
where coalesce(verdicts.n_verdicts, 0) != 1
