-- Taskforce counts as a time series on the 2025 map: every snapshot date × 2025 municipality. Rows
-- written with 2019–2024 codes are summed into their 2025 successor; a date that gives a merged
-- municipality's own 2025 code uses that row rather than adding its predecessors to it. Inhabitants are
-- the shipped population closest to the snapshot date, summed over the predecessors.
with

counts as (
    select * from {{ ref('stg_taskforce__counts') }}
    where row_issue is null
),

municipalities_2025 as (
    select * from {{ ref('stg_reference__municipalities_2025') }}
),

successors as (
    select * from {{ ref('int_municipality_successor_2025') }}
),

-- One row per date and NIS code: two files giving one date, the later file (by name) wins.
ranked as (
    select
        *,
        row_number() over (
            partition by reference_date, nis_code order by source_file desc, source_row desc
        ) as file_rank
    from counts
),

latest as (
    select * from ranked
    where file_rank = 1
),

mapped as (
    select
        latest.reference_date,
        latest.nis_code,
        latest.persons,
        latest.minors,
        coalesce(successors.nis_code_2025, latest.nis_code) as nis_code_2025,
        successors.nis_code is null as is_2025_code
    from latest
    left join successors on latest.nis_code = successors.nis_code
    where
        successors.nis_code is not null
        or latest.nis_code in (select municipalities_2025.nis_code from municipalities_2025)
),

with_own_code as (
    select
        *,
        bool_or(is_2025_code) over (partition by reference_date, nis_code_2025) as date_has_2025_code
    from mapped
),

used as (
    select * from with_own_code
    where is_2025_code or not date_has_2025_code
),

summed as (
    select
        reference_date,
        nis_code_2025,
        cast(sum(persons) as bigint) as persons,
        cast(sum(minors) as bigint) as minors,
        count(*) as n_codes_reported,
        string_agg(nis_code, ', ' order by nis_code) as reported_nis_codes
    from used
    group by reference_date, nis_code_2025
),

population_dates as (
    select distinct reference_date from {{ ref('stg_reference__population') }}
),

-- The population date closest to each snapshot date (a tie goes to the later one).
population_date_ranks as (
    select
        snapshots.reference_date as snapshot_date,
        population_dates.reference_date as population_reference_date,
        row_number() over (
            partition by snapshots.reference_date
            order by
                abs(snapshots.reference_date - population_dates.reference_date),
                population_dates.reference_date desc
        ) as date_rank
    from (select distinct reference_date from latest) as snapshots
    cross join population_dates
),

closest_population_date as (
    select
        snapshot_date,
        population_reference_date
    from population_date_ranks
    where date_rank = 1
),

population_2025 as (
    select
        population.reference_date,
        coalesce(successors.nis_code_2025, population.nis_code) as nis_code_2025,
        cast(sum(population.population) as bigint) as population
    from {{ ref('stg_reference__population') }} as population
    left join successors on population.nis_code = successors.nis_code
    group by population.reference_date, coalesce(successors.nis_code_2025, population.nis_code)
)

select
    closest_population_date.snapshot_date,
    municipalities_2025.nis_code,
    municipalities_2025.name_nl,
    summed.persons,
    summed.minors,
    summed.n_codes_reported,
    summed.reported_nis_codes,
    population_2025.population,
    closest_population_date.population_reference_date
from closest_population_date
cross join municipalities_2025
left join summed
    on
        closest_population_date.snapshot_date = summed.reference_date
        and municipalities_2025.nis_code = summed.nis_code_2025
left join population_2025
    on
        closest_population_date.population_reference_date = population_2025.reference_date
        and municipalities_2025.nis_code = population_2025.nis_code_2025
