select
    old_nis_code,
    old_name_nl,
    new_nis_code,
    new_name_nl,
    cast(effective_date as date) as effective_date
from {{ source('reference', 'municipality_mergers') }}
