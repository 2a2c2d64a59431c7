-- Every Taskforce snapshot row, typed, with `row_issue` naming what is wrong (NULL when usable).
-- Rows that give one date and municipality different counts (in one file or several) are all set aside:
-- which one is right is not ours to guess. Identical repeats stay usable and count once downstream.
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

checked_rows as (
    select
        source_file,
        file_sha256,
        source_row,
        reference_date,
        trim(nis_code) as nis_code,
        gemeente as municipality_name,
        persons,
        minors,
        case
            when reference_date is null then 'peildatum "' || coalesce(peildatum, '') || '" is not a date'
            when not {{ regexp_full_match("coalesce(trim(nis_code), '')", '[0-9]{5}') }}
                then 'nis_code "' || coalesce(nis_code, '') || '" is not a 5-digit NIS code'
            when persons is null or persons < 0
                then 'personen "' || coalesce(personen, '') || '" is not a count'
            when minderjarigen is not null and (minors is null or minors < 0)
                then 'minderjarigen "' || minderjarigen || '" is not a count'
            when minors > persons then 'more minors than persons'
        end as row_issue
    from source_rows
)

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
