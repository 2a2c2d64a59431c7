-- Per later wave × question with comparable_to × choice: the earlier question's codes it stands for
-- (ascending; empty when it stands for none). What both the trend and the panel compare by.
select
    wave_id,
    question_id,
    choice_code,
    compared_wave_id,
    compared_question_id,
    array_agg(compared_choice_code order by compared_choice_code) filter (
        where compared_choice_code is not null
    ) as codes
from {{ ref('stg_codebook__comparisons') }}
group by wave_id, question_id, choice_code, compared_wave_id, compared_question_id
