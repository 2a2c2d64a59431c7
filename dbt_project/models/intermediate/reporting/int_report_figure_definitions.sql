-- What every published figure counts, in one shape: from the codebook (`report:` on a choice, matrix
-- `report_prefix` + `report_suffix`, `any_of_report`, text `report_count`) and from the rules file.
with

questions as (
    select * from {{ ref('stg_codebook__questions') }}
),

choices as (
    select * from {{ ref('stg_codebook__choices') }}
),

matrix_rows as (
    select * from {{ ref('stg_codebook__matrix_rows') }}
),

codebook_definitions as (
    select
        choices.wave_id,
        choices.report_figure_id as figure_id,
        1 as part,
        'question' as rule_source,
        choices.question_id,
        cast(null as integer) as row_code,
        array[choices.choice_code] as codes,
        1 as min_codes,
        'units_choosing' as statistic
    from choices
    where choices.report_figure_id is not null
    union all
    select
        choices.wave_id,
        matrix_rows.report_prefix || '_' || choices.report_suffix as figure_id,
        1 as part,
        'question' as rule_source,
        choices.question_id,
        matrix_rows.row_code,
        array[choices.choice_code] as codes,
        1 as min_codes,
        'units_choosing' as statistic
    from choices
    inner join matrix_rows
        on
            choices.wave_id = matrix_rows.wave_id
            and choices.question_id = matrix_rows.question_id
    where matrix_rows.report_prefix is not null and choices.report_suffix is not null
    union all
    select
        wave_id,
        any_of_report_figure_id as figure_id,
        1 as part,
        'question' as rule_source,
        question_id,
        null as row_code,
        any_of_report_codes as codes,
        1 as min_codes,
        'units_choosing' as statistic
    from questions
    where any_of_report_figure_id is not null
    union all
    select
        wave_id,
        report_count_figure_id as figure_id,
        1 as part,
        'question' as rule_source,
        question_id,
        null as row_code,
        null as codes,
        null as min_codes,
        'units_answering' as statistic
    from questions
    where report_count_figure_id is not null
),

rule_definitions as (
    select
        wave_id,
        figure_id,
        part,
        rule_source,
        question_id,
        cast(null as integer) as row_code,
        codes,
        min_codes,
        statistic,
        text_pattern,
        dimension,
        dimension_value,
        pct_above,
        pct_at_most,
        statement
    from {{ ref('stg_reference__report_figure_rules') }}
)

select
    codebook_definitions.*,
    cast(null as varchar) as text_pattern,
    cast(null as varchar) as dimension,
    cast(null as varchar) as dimension_value,
    cast(null as {{ type_double() }}) as pct_above,
    cast(null as {{ type_double() }}) as pct_at_most,
    'codebook' as defined_by,
    cast(null as varchar) as statement
from codebook_definitions
union all
select
    wave_id,
    figure_id,
    part,
    rule_source,
    question_id,
    row_code,
    codes,
    min_codes,
    statistic,
    text_pattern,
    dimension,
    dimension_value,
    pct_above,
    pct_at_most,
    'rules' as defined_by,
    statement
from rule_definitions
