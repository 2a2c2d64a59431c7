-- The codebook as labelled items: one row per wave × question × (matrix row) × (choice). Questions without
-- matrix rows or choices (text, numbers) have NULL there. The tabulation's scaffold and every read-out that
-- labels or orders question results (exports, reports: through marts.mart_codebook) use these rows.
-- profile_column names the column of marts.mart_municipality_profile the item feeds: `q6` (single /
-- likert5: the code), `q3_c1` (multi: 1 chosen, 0 answered but not chosen), `q31_r1_c7` (matrix cell,
-- same), `q10_answered` (text: 1); NULL for numbers, which the profile leaves out.
-- item_source says where the item came from: a full codebook.yaml (`codebook`), the wave's survey.qsf
-- (`qsf`), or survey.qsf with the overlay adding to the question, its row or its choice (`overlay`).
with

questions as (
    select * from {{ ref('stg_codebook__questions') }}
),

matrix_rows as (
    select * from {{ ref('stg_codebook__matrix_rows') }}
),

choices as (
    select * from {{ ref('stg_codebook__choices') }}
)

select
    questions.wave_id,
    questions.question_id,
    questions.position as question_position,
    questions.section,
    questions.question_type,
    questions.is_closed,
    questions.unit,
    questions.label as question_label,
    matrix_rows.row_code,
    matrix_rows.label as row_label,
    choices.choice_code,
    choices.position as choice_position,
    choices.label as choice_label,
    choices.is_exclusive,
    case
        when 'overlay' in (questions.item_source, matrix_rows.item_source, choices.item_source) then 'overlay'
        else questions.item_source
    end as item_source,
    questions.display_logic_text,
    case
        when questions.question_type in ('single', 'likert5') then lower(questions.question_id)
        when questions.question_type = 'text' then lower(questions.question_id) || '_answered'
        when questions.question_type in ('multi', 'matrix_multi')
            then
                lower(questions.question_id)
                || coalesce('_r' || matrix_rows.row_code, '')
                || '_c' || choices.choice_code
    end as profile_column
from questions
left join matrix_rows
    on
        questions.wave_id = matrix_rows.wave_id
        and questions.question_id = matrix_rows.question_id
left join choices
    on
        questions.wave_id = choices.wave_id
        and questions.question_id = choices.question_id
