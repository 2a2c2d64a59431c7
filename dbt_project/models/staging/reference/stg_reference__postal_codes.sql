select
    postal_code,
    nis_code_2025
from {{ source('reference', 'postal_codes_2025') }}
