-- Answer cells decoded against the codebook: one row per cell × selected code (or per text/number cell),
-- with `decode_issue` saying why a cell could not be read. Numeric and choice-text exports, combined and
-- split multi-selects decode to the same codes; `-99` (and `0` in split columns) means not answered.
with

cells as (
    select * from {{ ref('stg_qualtrics__answer_cells') }}
    where cell_kind != 'unmapped' and not {{ is_unanswered_recode('cell_value') }}
),

choices as (
    select * from {{ ref('stg_codebook__choices') }}
),

rows_of_matrix as (
    select * from {{ ref('stg_codebook__matrix_rows') }}
),

-- A single cell holds one recode value, or its choice text.
single_cells as (
    select
        cells.*,
        coalesce({{ cast_or_null('trim(cells.cell_value)', 'integer') }}, by_label.choice_code) as choice_code
    from cells
    left join choices as by_label
        on
            cells.wave_id = by_label.wave_id
            and cells.question_id = by_label.question_id
            and lower(trim(cells.cell_value)) = lower(by_label.label)
    where cells.cell_kind = 'value' and cells.question_type in ('single', 'likert5')
),

-- A combined multi cell (or matrix row) holds recode values `1,4,7` ...
listed_codes as (
    select
        cells.*,
        {{ cast_or_null('trim(listed.code_text)', 'integer') }} as choice_code
    from cells
    cross join unnest(string_to_array(cells.cell_value, ',')) as listed (code_text)
    where
        cells.cell_kind in ('combined', 'matrix_combined')
        and {{ regexp_full_match('trim(cells.cell_value)', '-?[0-9]+(\\s*,\\s*-?[0-9]+)*') }}
),

-- ... or choice texts joined by commas that labels may contain too: a label is selected when it
-- stands between commas (or the cell's ends); the matched labels must then cover the whole cell.
labelled_codes as (
    select
        cells.*,
        choices.choice_code
    from cells
    inner join choices
        on
            cells.wave_id = choices.wave_id
            and cells.question_id = choices.question_id
            and strpos(',' || lower(trim(cells.cell_value)) || ',', ',' || lower(choices.label) || ',') > 0
    where
        cells.cell_kind in ('combined', 'matrix_combined')
        and not {{ regexp_full_match('trim(cells.cell_value)', '-?[0-9]+(\\s*,\\s*-?[0-9]+)*') }}
),

label_coverage as (
    select
        cells.wave_id,
        cells.source_file,
        cells.source_row,
        cells.column_position,
        coalesce(sum(length(matched_choices.label)) + count(matched_choices.label) - 1, 0)
        = length(trim(cells.cell_value)) as is_fully_matched
    from cells
    left join labelled_codes
        on
            {{ same_response('cells', 'labelled_codes') }}
            and cells.column_position = labelled_codes.column_position
    left join choices as matched_choices
        on
            labelled_codes.wave_id = matched_choices.wave_id
            and labelled_codes.question_id = matched_choices.question_id
            and labelled_codes.choice_code = matched_choices.choice_code
    where
        cells.cell_kind in ('combined', 'matrix_combined')
        and not {{ regexp_full_match('trim(cells.cell_value)', '-?[0-9]+(\\s*,\\s*-?[0-9]+)*') }}
    group by cells.wave_id, cells.source_file, cells.source_row, cells.column_position, cells.cell_value
),

-- Split columns hold `1` (or, in a choice-text export, the choice's label) when selected; `0` and `-99`
-- mean not selected.
split_codes as (
    select
        cells.*,
        cells.tag_choice_code as choice_code
    from cells
    where cells.cell_kind in ('split', 'matrix_split') and trim(cells.cell_value) not in ('0')
),

-- Every branch above is `cells.*` plus the decoded choice_code, so they stack column for column.
choice_cells as (
    select * from single_cells
    union all
    select * from listed_codes
    where choice_code != -99
    union all
    select * from labelled_codes
    union all
    select * from split_codes
),

decoded_choices as (
    select
        choice_cells.wave_id,
        choice_cells.source_file,
        choice_cells.source_row,
        choice_cells.column_position,
        choice_cells.column_name,
        choice_cells.cell_value,
        choice_cells.question_id,
        choice_cells.question_type,
        choice_cells.row_code,
        choice_cells.choice_code,
        'choice' as answer_kind,
        cast(null as varchar) as value_text,
        cast(null as bigint) as value_number,
        case
            when choice_cells.choice_code is null then 'not a recode value or choice text of this question'
            when choices.choice_code is null then 'code ' || choice_cells.choice_code || ' is not a choice'
            when choice_cells.question_type = 'matrix_multi' and rows_of_matrix.row_code is null
                then 'row ' || choice_cells.row_code || ' is not a row of this matrix'
            when
                choice_cells.cell_kind in ('split', 'matrix_split')
                and trim(choice_cells.cell_value) != '1'
                and lower(trim(choice_cells.cell_value)) != lower(choices.label)
                then 'split column holds ' || choice_cells.cell_value || ', expected 1, 0 or the choice label'
        end as decode_issue
    from choice_cells
    left join choices
        on
            choice_cells.wave_id = choices.wave_id
            and choice_cells.question_id = choices.question_id
            and choice_cells.choice_code = choices.choice_code
    left join rows_of_matrix
        on
            choice_cells.wave_id = rows_of_matrix.wave_id
            and choice_cells.question_id = rows_of_matrix.question_id
            and choice_cells.row_code = rows_of_matrix.row_code
),

unmatched_labels as (
    select
        cells.wave_id,
        cells.source_file,
        cells.source_row,
        cells.column_position,
        cells.column_name,
        cells.cell_value,
        cells.question_id,
        cells.question_type,
        cells.row_code,
        cast(null as integer) as choice_code,
        'choice' as answer_kind,
        cast(null as varchar) as value_text,
        cast(null as bigint) as value_number,
        'choice text not fully recognised against the codebook labels' as decode_issue
    from cells
    inner join label_coverage
        on
            {{ same_response('cells', 'label_coverage') }}
            and cells.column_position = label_coverage.column_position
    where not label_coverage.is_fully_matched
),

free_values as (
    select
        cells.wave_id,
        cells.source_file,
        cells.source_row,
        cells.column_position,
        cells.column_name,
        cells.cell_value,
        cells.question_id,
        cells.question_type,
        cells.row_code,
        -- `<tag>_<choice id>_TEXT`: the choice id is the code unless the QSF recodes the choice.
        case
            when cells.cell_kind = 'other_text' then coalesce(text_choices.choice_code, cells.tag_choice_code)
        end as choice_code,
        case when cells.cell_kind = 'other_text' then 'other_text' else cells.question_type end as answer_kind,
        case
            when cells.question_type != 'number' or cells.cell_kind = 'other_text' then cells.cell_value
        end as value_text,
        -- Number questions are counts: a negative number is reported, never used.
        case
            when
                cells.question_type = 'number' and cells.cell_kind = 'value'
                and {{ whole_number('cells.cell_value') }} >= 0
                then {{ whole_number('cells.cell_value') }}
        end as value_number,
        case
            when
                cells.question_type = 'number' and cells.cell_kind = 'value'
                and {{ whole_number('cells.cell_value') }} is null
                then 'not a whole number'
            when
                cells.question_type = 'number' and cells.cell_kind = 'value'
                and {{ whole_number('cells.cell_value') }} < 0
                then 'a negative number is not a count'
        end as decode_issue
    from cells
    left join choices as text_choices
        on
            cells.cell_kind = 'other_text'
            and cells.wave_id = text_choices.wave_id
            and cells.question_id = text_choices.question_id
            and cells.tag_choice_code = text_choices.text_choice_id
    where cells.cell_kind = 'other_text' or cells.question_type in ('text', 'number')
)

select * from decoded_choices
union all
select * from unmatched_labels
union all
select * from free_values
