select
    deelgemeente_code,
    name_nl,
    nis_code
from {{ source('reference', 'deelgemeenten') }}
