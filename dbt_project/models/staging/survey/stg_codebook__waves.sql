select
    wave_id,
    title,
    municipality_map,
    source_file,
    file_sha256,
    cast(fieldwork_start as date) as fieldwork_start,
    cast(fieldwork_end as date) as fieldwork_end,
    cast(taskforce_reference_date as date) as taskforce_reference_date
from {{ source('raw', 'codebook_waves') }}
