-- Latest available register population per municipality (the report used 2023; we ship 2019 and 2020).
with ranked as (
    select
        nis_code,
        population,
        reference_date,
        row_number() over (partition by nis_code order by reference_date desc) as recency
    from {{ ref('stg_reference__population') }}
)

select
    nis_code,
    population,
    reference_date as population_reference_date
from ranked
where recency = 1
