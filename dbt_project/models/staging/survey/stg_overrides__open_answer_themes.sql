select
    source_file,
    cast(source_row as integer) as source_row,
    trim(theme) as theme,
    pattern
from {{ source('raw', 'open_answer_themes') }}
