-- Every Taskforce snapshot row, typed, with `row_issue` naming what is wrong (NULL when usable).
-- Rows that give one date and municipality different counts (in one file or several) are all set aside:
-- which one is right is not ours to guess. Identical repeats stay usable and count once downstream.
-- Implausible rows are set aside too: a date after the day the file was loaded, more minors than persons,
-- more persons than the municipality has inhabitants, and cumulative counts that fall between snapshots
-- (both rows of each such pair). The population is read from the reference source directly: staging
-- reads sources only, and this one fact does not need the reference models.
with

source_rows as (
    select
        source_file,
        file_sha256,
        peildatum,
        nis_code,
        gemeente,
        personen,
        minderjarigen,
        cast(source_row as integer) as source_row,
        -- the day of the load in Belgium, where the Taskforce dates its snapshots
        cast(timezone('{{ var("default_time_zone") }}', loaded_at) as date) as loaded_on,
        cast(
            coalesce(
                {{ try_strptime('trim(peildatum)', '%Y-%m-%d') }},
                {{ try_strptime('trim(peildatum)', '%d/%m/%Y') }},
                {{ try_strptime('trim(peildatum)', '%d-%m-%Y') }}
            ) as date
        ) as reference_date,
        {{ cast_or_null('trim(personen)', 'integer') }} as persons,
        {{ cast_or_null('trim(minderjarigen)', 'integer') }} as minors
    from {{ source('raw', 'taskforce_counts') }}
),

population_rows as (
    select
        nis_code,
        reference_date,
        cast(population as integer) as population
    from {{ source('reference', 'population') }}
),

-- A code's inhabitants: its own population, plus (for a municipality of the 2025 map) that of the
-- municipalities merged into it on 2025-01-01, summed per shipped date.
population_parts as (
    select
        nis_code,
        reference_date,
        population
    from population_rows
    union all
    select
        mergers.new_nis_code as nis_code,
        population_rows.reference_date,
        population_rows.population
    from {{ source('reference', 'municipality_mergers') }} as mergers
    inner join population_rows on mergers.old_nis_code = population_rows.nis_code
    where
        cast(mergers.effective_date as date) = date '2025-01-01'
        and mergers.new_nis_code != mergers.old_nis_code
),

population_by_date as (
    select
        nis_code,
        reference_date,
        sum(population) as population
    from population_parts
    group by nis_code, reference_date
),

-- The largest shipped figure: a count above it is above the population on every date we know.
populations as (
    select
        nis_code,
        max(population) as population
    from population_by_date
    group by nis_code
),

checked_rows as (
    select
        source_rows.source_file,
        source_rows.file_sha256,
        source_rows.source_row,
        source_rows.reference_date,
        trim(source_rows.nis_code) as nis_code,
        source_rows.gemeente as municipality_name,
        source_rows.persons,
        source_rows.minors,
        case
            when source_rows.reference_date is null
                then 'peildatum "' || coalesce(source_rows.peildatum, '') || '" is not a date'
            when not {{ regexp_full_match("coalesce(trim(source_rows.nis_code), '')", '[0-9]{5}') }}
                then 'nis_code "' || coalesce(source_rows.nis_code, '') || '" is not a 5-digit NIS code'
            when source_rows.persons is null or source_rows.persons < 0
                then 'personen "' || coalesce(source_rows.personen, '') || '" is not a count'
            when source_rows.minderjarigen is not null and (source_rows.minors is null or source_rows.minors < 0)
                then 'minderjarigen "' || source_rows.minderjarigen || '" is not a count'
            when source_rows.reference_date > source_rows.loaded_on
                then
                    'peildatum ' || source_rows.reference_date || ' lies after the day the file was loaded ('
                    || source_rows.loaded_on || '): a count cannot come from the future'
            when source_rows.minors > source_rows.persons
                then
                    'more minors than persons: minderjarigen ' || source_rows.minors || ', personen '
                    || source_rows.persons
            when source_rows.persons > populations.population
                then
                    'personen ' || source_rows.persons || ' is more than the ' || populations.population
                    || ' inhabitants of nis_code ' || trim(source_rows.nis_code)
                    || ' (the largest shipped population)'
        end as row_issue
    from source_rows
    left join populations on trim(source_rows.nis_code) = populations.nis_code
),

compared_rows as (
    select
        source_file,
        file_sha256,
        source_row,
        reference_date,
        nis_code,
        municipality_name,
        persons,
        minors,
        coalesce(
            row_issue,
            case
                -- Distinct (persons, minors) pairs per date and code: PostgreSQL has no count(distinct) over
                -- a window, so the two ranks from either end add up to it.
                when
                    dense_rank() over (same_key order by persons, coalesce(minors, -1))
                    + dense_rank() over (same_key order by persons desc, coalesce(minors, -1) desc)
                    - 1
                    > 1
                    then
                        'another row gives other counts for nis_code ' || nis_code || ' on ' || reference_date
                        || ': all its rows are set aside'
            end
        ) as row_issue
    from checked_rows
    window same_key as (partition by reference_date, nis_code, row_issue is null)
),

usable_rows as (
    select * from compared_rows
    where row_issue is null
),

-- Counts are cumulative (contract §1): an earlier snapshot of a NIS code with more persons (or minors)
-- than a later one contradicts it. Which of the two is wrong is not ours to guess: both are set aside.
falling_pairs as (
    select
        earlier.source_file as earlier_file,
        earlier.source_row as earlier_row,
        earlier.reference_date as earlier_date,
        later.source_file as later_file,
        later.source_row as later_row,
        later.reference_date as later_date,
        case when earlier.persons > later.persons then 'personen' else 'minderjarigen' end as counted,
        case when earlier.persons > later.persons then earlier.persons else earlier.minors end as earlier_count,
        case when earlier.persons > later.persons then later.persons else later.minors end as later_count
    from usable_rows as earlier
    inner join usable_rows as later
        on
            earlier.nis_code = later.nis_code
            and earlier.reference_date < later.reference_date
            and (earlier.persons > later.persons or earlier.minors > later.minors)
),

contradictions as (
    select
        later_file as source_file,
        later_row as source_row,
        later_date - earlier_date as days_apart,
        counted || ' ' || later_count || ' on ' || later_date || ' is lower than ' || earlier_count || ' on '
        || earlier_date || ' (' || earlier_file || ' row ' || earlier_row || ')' as contradiction
    from falling_pairs
    union all
    select
        earlier_file as source_file,
        earlier_row as source_row,
        later_date - earlier_date as days_apart,
        counted || ' ' || earlier_count || ' on ' || earlier_date || ' is higher than ' || later_count
        || ' on the later ' || later_date || ' (' || later_file || ' row ' || later_row || ')' as contradiction
    from falling_pairs
),

falling_rows as (
    select
        source_file,
        source_row,
        count(*) as n_contradictions,
        (array_agg(contradiction order by days_apart, contradiction))[1] as nearest_contradiction
    from contradictions
    group by source_file, source_row
)

select
    compared_rows.source_file,
    compared_rows.file_sha256,
    compared_rows.source_row,
    compared_rows.reference_date,
    compared_rows.nis_code,
    compared_rows.municipality_name,
    compared_rows.persons,
    compared_rows.minors,
    coalesce(
        compared_rows.row_issue,
        falling_rows.nearest_contradiction || ': cumulative counts cannot fall, so both rows are set aside'
        || case
            when falling_rows.n_contradictions > 1
                then ' (' || falling_rows.n_contradictions || ' snapshots contradict it in all)'
            else ''
        end
    ) as row_issue
from compared_rows
left join falling_rows
    on
        compared_rows.source_file = falling_rows.source_file
        and compared_rows.source_row = falling_rows.source_row
