select
    nis_code,
    name_nl
from {{ source('reference', 'municipalities_2025') }}
