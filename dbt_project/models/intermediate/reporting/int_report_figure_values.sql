-- The warehouse's own value of every defined figure part: count and base over the figure's unit.
with

definitions as (
    select * from {{ ref('int_report_figure_definitions') }}
),

figures as (
    select * from {{ ref('stg_reference__report_figures') }}
),

unit_answers as (
    select * from {{ ref('int_unit_answers') }}
),

-- Units that answered a question (row): every row of int_unit_answers is an answer.
answering_units as (
    select distinct
        wave_id,
        unit,
        question_id,
        row_code,
        unit_id
    from unit_answers
),

responding_units as (
    select
        wave_id,
        'municipality' as unit,
        count(*) as n_units
    from {{ ref('int_responding_municipalities') }}
    group by wave_id
    union all
    select
        wave_id,
        'respondent' as unit,
        sum(n_questionnaires) as n_units
    from {{ ref('int_responding_municipalities') }}
    group by wave_id
),

question_definitions as (
    select
        definitions.*,
        coalesce(figures.unit, 'municipality') as unit
    from definitions
    left join figures
        on
            definitions.wave_id = figures.wave_id
            and definitions.figure_id = figures.figure_id
    where definitions.rule_source in ('question', 'text_mention')
),

-- Per definition × answering unit: did the unit's answer meet it?
unit_outcomes as (
    select
        question_definitions.wave_id,
        question_definitions.figure_id,
        question_definitions.part,
        answering_units.unit_id,
        case question_definitions.statistic
            when 'units_answering' then true
            when 'units_choosing'
                then count(distinct unit_answers.choice_code) filter (
                    where unit_answers.choice_code = any(question_definitions.codes)
                ) >= question_definitions.min_codes
            when 'units_mentioning'
                then bool_or({{ regexp_contains_ci('unit_answers.value_text', 'question_definitions.text_pattern') }})
        end as meets_definition
    from question_definitions
    inner join answering_units
        on
            question_definitions.wave_id = answering_units.wave_id
            and question_definitions.unit = answering_units.unit
            and question_definitions.question_id = answering_units.question_id
            and question_definitions.row_code is not distinct from answering_units.row_code
    inner join unit_answers
        on
            answering_units.wave_id = unit_answers.wave_id
            and answering_units.unit = unit_answers.unit
            and answering_units.unit_id = unit_answers.unit_id
            and answering_units.question_id = unit_answers.question_id
            and answering_units.row_code is not distinct from unit_answers.row_code
    group by
        question_definitions.wave_id,
        question_definitions.figure_id,
        question_definitions.part,
        question_definitions.statistic,
        question_definitions.codes,
        question_definitions.min_codes,
        question_definitions.text_pattern,
        answering_units.unit_id
),

question_values as (
    select
        question_definitions.wave_id,
        question_definitions.figure_id,
        question_definitions.part,
        cast(
            count(unit_outcomes.unit_id) filter (where unit_outcomes.meets_definition) as {{ type_double() }}
        ) as value,
        case
            when question_definitions.statistic = 'units_answering' then max(responding_units.n_units)
            else count(unit_outcomes.unit_id)
        end as base_n
    from question_definitions
    left join unit_outcomes
        on
            question_definitions.wave_id = unit_outcomes.wave_id
            and question_definitions.figure_id = unit_outcomes.figure_id
            and question_definitions.part = unit_outcomes.part
    left join responding_units
        on
            question_definitions.wave_id = responding_units.wave_id
            and question_definitions.unit = responding_units.unit
    group by
        question_definitions.wave_id, question_definitions.figure_id, question_definitions.part,
        question_definitions.statistic
),

coverage_values as (
    select
        definitions.wave_id,
        definitions.figure_id,
        definitions.part,
        cast(
            case definitions.statistic
                when 'responding_municipalities' then coverage.n_responding
                when 'questionnaires' then coverage.n_questionnaires
            end as {{ type_double() }}
        ) as value,
        case when definitions.statistic = 'responding_municipalities' then coverage.n_municipalities end as base_n
    from definitions
    inner join {{ ref('int_response_coverage') }} as coverage
        on
            definitions.wave_id = coverage.wave_id
            and definitions.dimension = coverage.dimension
            and definitions.dimension_value = coverage.dimension_value
    where definitions.rule_source = 'coverage'
),

taskforce_values as (
    select
        definitions.wave_id,
        definitions.figure_id,
        definitions.part,
        case definitions.statistic
            when 'persons_total' then summary.persons_total
            when 'minors_share' then summary.minors_total
            when 'persons_min' then summary.persons_min
            when 'persons_max' then summary.persons_max
            when 'persons_median' then summary.persons_median
            when 'per1000_mean' then summary.per_1000_mean
            when 'per1000_median' then summary.per_1000_median
            when 'per1000_min' then summary.per_1000_min
            when 'per1000_max' then summary.per_1000_max
        end as value,
        case definitions.statistic
            when 'persons_total' then summary.n_municipalities_with_count
            when 'minors_share' then summary.persons_with_minors_total
        end as base_n
    from definitions
    inner join {{ ref('int_taskforce_summary') }} as summary on definitions.wave_id = summary.wave_id
    where definitions.rule_source = 'taskforce'
),

all_values as (
    select * from question_values
    union all
    select * from coverage_values
    union all
    select * from taskforce_values
),

-- A percentage only where the base is the denominator of a share (not for a total over a base).
shares as (
    select
        all_values.wave_id,
        all_values.figure_id,
        all_values.part,
        all_values.value,
        cast(all_values.base_n as integer) as base_n,
        definitions.pct_above,
        definitions.pct_at_most,
        definitions.statement,
        case
            when
                definitions.statistic
                in ('units_choosing', 'units_answering', 'responding_municipalities', 'minors_share')
                then 100.0 * all_values.value / nullif(all_values.base_n, 0)
        end as exact_pct
    from all_values
    inner join definitions
        on
            all_values.wave_id = definitions.wave_id
            and all_values.figure_id = definitions.figure_id
            and all_values.part = definitions.part
)

select
    shares.*,
    coalesce(
        (shares.pct_above is null or shares.exact_pct > shares.pct_above)
        and (shares.pct_at_most is null or shares.exact_pct <= shares.pct_at_most),
        false
    ) as meets_claim
from shares
