-- Contract §3: one row per wave × closed question × (matrix row) × choice, and per text question,
-- tabulated over the question's unit (municipality unless the codebook says respondent).
select
    tabulation.wave_id,
    tabulation.question_id,
    tabulation.row_code,
    tabulation.choice_code,
    tabulation.choice_label,
    tabulation.unit,
    tabulation.n_selected,
    tabulation.n_answered,
    {{ pct_half_up('tabulation.n_selected', 'tabulation.n_answered') }} as pct
from {{ ref('int_question_tabulation') }} as tabulation
order by
    tabulation.wave_id, tabulation.question_position, tabulation.row_code, tabulation.choice_position
