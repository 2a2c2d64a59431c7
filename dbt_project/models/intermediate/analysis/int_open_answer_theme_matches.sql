-- Open answers (text questions and "other, namely" fields of valid respondents, display logic applied)
-- matched against the theme dictionary: one row per answer × theme it matches. Contact details were
-- masked in staging (macro mask_contact_details), before any answer leaves the raw layer.
with

open_answers as (
    select
        wave_id,
        nis_code,
        question_id,
        choice_code as other_choice_code,
        response_id,
        value_text as answer_text
    from {{ ref('int_respondent_answers') }}
    where
        answer_kind in ('text', 'other_text')
        and nullif(trim(value_text), '') is not null
),

themes as (
    select * from {{ ref('stg_overrides__open_answer_themes') }}
),

-- The pattern is a column, so it is compiled for every pair it is tried on: each distinct text is
-- matched once (short answers such as "geen" repeat across respondents), then joined back.
text_matches as (
    select
        texts.answer_text,
        themes.theme,
        themes.pattern
    from (select distinct answer_text from open_answers) as texts
    inner join themes
        on {{ regexp_contains_ci('texts.answer_text', 'themes.pattern') }}
)

select
    open_answers.wave_id,
    open_answers.nis_code,
    open_answers.question_id,
    open_answers.other_choice_code,
    open_answers.response_id,
    text_matches.theme,
    string_agg(distinct text_matches.pattern, ' | ' order by text_matches.pattern) as matched_patterns,
    any_value(open_answers.answer_text) as answer_text
from open_answers
inner join text_matches
    on open_answers.answer_text = text_matches.answer_text
group by
    open_answers.wave_id,
    open_answers.nis_code,
    open_answers.question_id,
    open_answers.other_choice_code,
    open_answers.response_id,
    text_matches.theme
