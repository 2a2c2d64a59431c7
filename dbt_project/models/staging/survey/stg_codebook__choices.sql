select
    wave_id,
    question_id,
    label,
    report_figure_id,
    report_suffix,
    item_source,
    cast(choice_code as integer) as choice_code,
    cast(is_exclusive as boolean) as is_exclusive,
    cast(position as integer) as position,
    coalesce(cast(has_other_text as boolean), false) as has_other_text,
    cast(text_choice_id as integer) as text_choice_id
from {{ source('raw', 'codebook_choices') }}
