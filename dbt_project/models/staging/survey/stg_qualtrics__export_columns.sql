-- One row per export file × column, with the question its tag points at (the part before the first `_`).
select
    wave_id,
    source_file,
    column_position,
    column_name,
    split_part(column_name, '_', 1) as question_tag
from {{ source('raw', 'export_columns') }}
