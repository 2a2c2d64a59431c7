-- Per wave × municipality of its map: the Taskforce count on the wave's reference date, i.e. the latest
-- usable snapshot on or before it. Rows that disagree for one date are set aside in staging, so rows that
-- share a date here are identical repeats: any of them gives the same count.
with

waves as (
    select * from {{ ref('stg_codebook__waves') }}
),

counts as (
    select * from {{ ref('stg_taskforce__counts') }}
    where row_issue is null
),

ranked as (
    select
        wave_municipalities.wave_id,
        wave_municipalities.nis_code,
        counts.reference_date as snapshot_date,
        counts.persons,
        counts.minors,
        counts.source_file,
        row_number() over (
            partition by wave_municipalities.wave_id, wave_municipalities.nis_code
            order by counts.reference_date desc, counts.source_file desc, counts.source_row desc
        ) as recency
    from {{ ref('int_wave_municipalities') }} as wave_municipalities
    inner join waves on wave_municipalities.wave_id = waves.wave_id
    inner join counts
        on
            wave_municipalities.nis_code = counts.nis_code
            and counts.reference_date <= coalesce(waves.taskforce_reference_date, waves.fieldwork_end)
)

select
    wave_id,
    nis_code,
    snapshot_date,
    persons,
    minors,
    source_file
from ranked
where recency = 1
