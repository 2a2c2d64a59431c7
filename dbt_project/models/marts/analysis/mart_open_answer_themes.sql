-- Counts per wave × question × theme: how many open answers (and municipalities) mention the theme.
select
    wave_id,
    question_id,
    theme,
    count(*) as n_answers,
    count(distinct nis_code) as n_municipalities
from {{ ref('int_open_answer_theme_matches') }}
group by wave_id, question_id, theme
order by wave_id asc, question_id asc, n_answers desc, theme asc
