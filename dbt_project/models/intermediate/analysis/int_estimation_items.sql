-- Every choice of every closed question tabulated over municipalities (and each matrix row): what the
-- weighted estimates and the benchmarks are computed for. Respondent-level questions (Q2) describe the
-- people who answered, not the municipalities, so they are not estimated for the population.
select
    questions.wave_id,
    questions.question_id,
    questions.section,
    questions.question_type,
    questions.label as question_label,
    questions.position as question_position,
    matrix_rows.row_code,
    matrix_rows.label as row_label,
    choices.choice_code,
    choices.label as choice_label,
    choices.position as choice_position
from {{ ref('stg_codebook__questions') }} as questions
inner join {{ ref('stg_codebook__choices') }} as choices
    on
        questions.wave_id = choices.wave_id
        and questions.question_id = choices.question_id
left join {{ ref('stg_codebook__matrix_rows') }} as matrix_rows
    on
        questions.wave_id = matrix_rows.wave_id
        and questions.question_id = matrix_rows.question_id
where questions.is_closed and questions.unit = 'municipality'
