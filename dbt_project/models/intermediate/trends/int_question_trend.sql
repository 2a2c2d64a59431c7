-- Contract §4: each choice (and matrix row) of a later question with `comparable_to`, beside the earlier
-- wave's units whose consolidated answer holds any of the earlier codes it stands for. Both sides are
-- counted over their own question's unit on their own map, from the tabulation behind
-- mart_question_result, so a trend's counts are exactly those of that mart.
with

questions as (
    select * from {{ ref('stg_codebook__questions') }}
),

comparisons as (
    select * from {{ ref('stg_codebook__comparisons') }}
),

-- Each question's tabulation over its own unit of analysis (municipality, or respondent for Q2).
tabulation as (
    select tabulation.*
    from {{ ref('int_question_tabulation') }} as tabulation
    inner join questions
        on
            tabulation.wave_id = questions.wave_id
            and tabulation.question_id = questions.question_id
            and tabulation.unit = questions.unit
),

earlier_answers as (
    select unit_answers.*
    from {{ ref('int_unit_answers') }} as unit_answers
    inner join questions
        on
            unit_answers.wave_id = questions.wave_id
            and unit_answers.question_id = questions.question_id
            and unit_answers.unit = questions.unit
    where unit_answers.choice_code is not null
),

compared_codes as (
    select * from {{ ref('int_compared_choice_codes') }}
),

-- Earlier units holding any of the codes: distinct units, so a unit holding two of them counts once.
compared_selected as (
    select
        comparisons.wave_id,
        comparisons.question_id,
        comparisons.choice_code,
        earlier_answers.row_code,
        count(distinct earlier_answers.unit_id) as compared_n_selected
    from comparisons
    inner join earlier_answers
        on
            comparisons.compared_wave_id = earlier_answers.wave_id
            and comparisons.compared_question_id = earlier_answers.question_id
            and comparisons.compared_choice_code = earlier_answers.choice_code
    group by comparisons.wave_id, comparisons.question_id, comparisons.choice_code, earlier_answers.row_code
),

earlier_answered as (
    select distinct
        wave_id,
        question_id,
        row_code,
        unit,
        n_answered
    from tabulation
)

select
    later.wave_id,
    later.question_id,
    later.row_code,
    later.choice_code,
    later.choice_label,
    later.unit,
    later.n_selected,
    later.n_answered,
    compared_codes.compared_wave_id,
    compared_codes.compared_question_id,
    earlier_answered.unit as compared_unit,
    earlier_answered.n_answered as compared_n_answered,
    later.question_position,
    later.choice_position,
    nullif(array_to_string(compared_codes.codes, ','), '') as compared_choice_codes,
    case
        when cardinality(compared_codes.codes) > 0 then coalesce(compared_selected.compared_n_selected, 0)
    end as compared_n_selected
from tabulation as later
inner join compared_codes
    on
        later.wave_id = compared_codes.wave_id
        and later.question_id = compared_codes.question_id
        and later.choice_code = compared_codes.choice_code
inner join earlier_answered
    on
        compared_codes.compared_wave_id = earlier_answered.wave_id
        and compared_codes.compared_question_id = earlier_answered.question_id
        and later.row_code is not distinct from earlier_answered.row_code
left join compared_selected
    on
        later.wave_id = compared_selected.wave_id
        and later.question_id = compared_selected.question_id
        and later.choice_code = compared_selected.choice_code
        and later.row_code is not distinct from compared_selected.row_code
where later.n_answered > 0 and earlier_answered.n_answered > 0
