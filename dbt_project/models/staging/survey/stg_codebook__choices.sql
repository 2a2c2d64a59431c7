select
    wave_id,
    question_id,
    label,
    report_figure_id,
    report_suffix,
    cast(choice_code as integer) as choice_code,
    cast(is_exclusive as boolean) as is_exclusive,
    cast(position as integer) as position
from {{ source('raw', 'codebook_choices') }}
