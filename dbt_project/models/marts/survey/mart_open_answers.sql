-- Open answers per wave × municipality × question, one row per respondent's text, for qualitative coding
-- (selected in intermediate.int_open_answers).
select * from {{ ref('int_open_answers') }}
