-- Each wave's codebook as labelled items, for analysts, exports and reports (built in
-- intermediate.int_codebook_items).
select * from {{ ref('int_codebook_items') }}
order by wave_id, question_position, row_code nulls first, choice_position
