-- comparable_to per choice: which earlier wave's question and codes each code of a later question
-- stands for (contract §4). A code that stands for nothing earlier has a NULL compared_choice_code.
select
    wave_id,
    question_id,
    compared_wave_id,
    compared_question_id,
    cast(choice_code as integer) as choice_code,
    cast(compared_choice_code as integer) as compared_choice_code
from {{ source('raw', 'codebook_comparisons') }}
