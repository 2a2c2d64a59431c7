-- Taskforce Oekraïne over time on the 2025 map: every snapshot date × 2025 municipality, and one row per
-- date for Flanders (all municipalities with a count on that date), with the population date used.
with

series as (
    select * from {{ ref('int_taskforce_series_2025') }}
),

municipalities as (
    select
        snapshot_date,
        'municipality' as area_level,
        nis_code,
        name_nl,
        persons,
        minors,
        population,
        population_reference_date,
        n_codes_reported,
        reported_nis_codes,
        cast(persons is not null as integer) as n_municipalities_reported
    from series
),

flanders as (
    select
        snapshot_date,
        'flanders' as area_level,
        '02000' as nis_code,
        'Vlaams Gewest' as name_nl,
        cast(sum(persons) as bigint) as persons,
        cast(sum(minors) as bigint) as minors,
        cast(sum(population) filter (where persons is not null) as bigint) as population,
        any_value(population_reference_date) as population_reference_date,
        cast(sum(n_codes_reported) as bigint) as n_codes_reported,
        cast(null as varchar) as reported_nis_codes,
        count(persons) as n_municipalities_reported
    from series
    group by snapshot_date
)

select
    *,
    1000.0 * persons / nullif(population, 0) as persons_per_1000
from (
    select * from municipalities
    union all
    select * from flanders
) as areas
order by snapshot_date, area_level, nis_code
