select
    wave_id,
    question_id,
    label,
    report_prefix,
    item_source,
    cast(row_code as integer) as row_code
from {{ source('raw', 'codebook_rows') }}
