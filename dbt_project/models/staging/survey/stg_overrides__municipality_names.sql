select
    source_file,
    raw_text,
    trim(nis_code) as nis_code,
    cast(source_row as integer) as source_row,
    {{ normalise_place_name('raw_text') }} as text_key
from {{ source('raw', 'municipality_name_overrides') }}
where nullif(trim(raw_text), '') is not null
