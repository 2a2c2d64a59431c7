-- People from Ukraine received per municipality (Taskforce Oekraïne, not the survey) on each wave's
-- reference date, with inhabitants and the count per 1 000 inhabitants.
with

wave_municipalities as (
    select * from {{ ref('int_wave_municipalities') }}
),

counts as (
    select * from {{ ref('int_taskforce_counts_at_reference_date') }}
),

responding as (
    select * from {{ ref('int_responding_municipalities') }}
)

select
    wave_municipalities.wave_id,
    wave_municipalities.nis_code,
    wave_municipalities.name_nl,
    counts.snapshot_date,
    counts.persons,
    counts.minors,
    wave_municipalities.population,
    wave_municipalities.population_reference_date,
    responding.nis_code is not null as has_responded,
    1000.0 * counts.persons / nullif(wave_municipalities.population, 0) as persons_per_1000
from wave_municipalities
left join counts
    on
        wave_municipalities.wave_id = counts.wave_id
        and wave_municipalities.nis_code = counts.nis_code
left join responding
    on
        wave_municipalities.wave_id = responding.wave_id
        and wave_municipalities.nis_code = responding.nis_code
