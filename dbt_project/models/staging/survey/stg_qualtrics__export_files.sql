-- One row per Qualtrics export file loaded, with its size and when it was loaded.
select
    wave_id,
    source_file,
    file_sha256,
    header_format,
    n_columns,
    n_rows,
    loaded_at
from {{ source('raw', 'export_files') }}
