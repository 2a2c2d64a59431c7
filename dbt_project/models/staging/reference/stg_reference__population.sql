select
    nis_code,
    cast(reference_date as date) as reference_date,
    cast(population as integer) as population
from {{ source('reference', 'population') }}
