-- Every non-blank export cell that belongs to a codebook question, with what kind of cell it is.
-- Export tags are `<question>`, `<question>_<code>` (split multi, or matrix row),
-- `<question>_<row>_<column>` (split matrix) and `<question>_<code>_TEXT` (other text). Question ids
-- hold no underscore (the codebook loader enforces it), so the part before the first `_` is the question.
-- Open text (text questions, "other, namely" fields) leaves raw with contact details masked.
-- A table, unlike the other staging models: the masking is the costly part, and as a view it ran again
-- inside each of its readers (int_decoded_cells took 3.4 s on the view, 0.2 s on a table, at 10 000
-- respondents; bench/README.md).
{{ config(materialized='table') }}
with

cells as (
    select
        *,
        string_to_array(column_name, '_') as tag_parts
    from {{ source('raw', 'export_cells') }}
),

-- Only the id and type of each question are needed to classify a tag (both verbatim in the raw codebook).
questions as (
    select
        wave_id,
        question_id,
        question_type
    from {{ source('raw', 'codebook_questions') }}
),

-- The respondent's own name as the export holds it, to mask it in their open answers.
respondent_names as (
    select
        wave_id,
        source_file,
        source_row,
        max(cell_value) filter (where column_name = 'RecipientFirstName') as first_name,
        max(cell_value) filter (where column_name = 'RecipientLastName') as last_name
    from {{ source('raw', 'export_cells') }}
    where column_name in ('RecipientFirstName', 'RecipientLastName')
    group by wave_id, source_file, source_row
),

classified as (
    select
        cells.wave_id,
        cells.source_file,
        cells.source_row,
        cells.column_position,
        cells.column_name,
        cells.cell_value,
        respondent_names.first_name,
        respondent_names.last_name,
        questions.question_id,
        questions.question_type,
        cardinality(cells.tag_parts) as n_parts,
        upper(split_part(cells.column_name, '_', -1)) = 'TEXT' as is_text_column,
        {{ cast_or_null('cells.tag_parts[2]', 'integer') }} as second_code,
        {{ cast_or_null('cells.tag_parts[3]', 'integer') }} as third_code
    from cells
    inner join questions
        on
            cells.wave_id = questions.wave_id
            and cells.tag_parts[1] = questions.question_id
    left join respondent_names
        on
            cells.wave_id = respondent_names.wave_id
            and cells.source_file = respondent_names.source_file
            and cells.source_row = respondent_names.source_row
)

select
    wave_id,
    source_file,
    source_row,
    column_position,
    column_name,
    case
        when question_type = 'text' or is_text_column
            then {{ mask_contact_details('cell_value', 'first_name', 'last_name') }}
        else cell_value
    end as cell_value,
    question_id,
    question_type,
    case
        when n_parts = 1 and question_type in ('single', 'likert5', 'text', 'number') then 'value'
        when n_parts = 2 and is_text_column and question_type = 'text' then 'value'
        when n_parts = 1 and question_type = 'multi' then 'combined'
        when n_parts = 2 and second_code is not null and question_type = 'multi' then 'split'
        when
            n_parts = 3 and is_text_column and second_code is not null and question_type in ('single', 'multi')
            then 'other_text'
        when n_parts = 2 and second_code is not null and question_type = 'matrix_multi' then 'matrix_combined'
        when
            n_parts = 3 and second_code is not null and third_code is not null and question_type = 'matrix_multi'
            then 'matrix_split'
        else 'unmapped'
    end as cell_kind,
    case when question_type = 'matrix_multi' then second_code end as row_code,
    case
        when question_type = 'matrix_multi' then third_code
        when n_parts >= 2 then second_code
    end as tag_choice_code
from classified
