-- The answers behind mart_open_answer_themes, for review: one row per open answer × theme it matches,
-- with the patterns that matched. Contact details are masked.
select
    matches.wave_id,
    matches.question_id,
    matches.theme,
    matches.nis_code,
    municipalities.name_nl as municipality_name,
    matches.other_choice_code,
    matches.response_id,
    matches.matched_patterns,
    matches.answer_text
from {{ ref('int_open_answer_theme_matches') }} as matches
left join {{ ref('int_wave_municipalities') }} as municipalities
    on
        matches.wave_id = municipalities.wave_id
        and matches.nis_code = municipalities.nis_code
order by matches.wave_id, matches.question_id, matches.theme, matches.nis_code, matches.response_id
