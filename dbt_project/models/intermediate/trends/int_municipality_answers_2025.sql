-- Each wave's consolidated closed answers (municipality unit) on the 2025 map: per wave × question ×
-- (matrix row) × 2025 municipality, the answer when every municipality of the wave's own map that it
-- stands for gave the same one. A wave on the 2019–2024 map may have several predecessors of one 2025
-- municipality answering: different answers are kept apart (`n_distinct_answers` > 1), never merged.
with

waves as (
    select * from {{ ref('stg_codebook__waves') }}
),

questions as (
    select * from {{ ref('stg_codebook__questions') }}
    where unit = 'municipality'
),

successors as (
    select * from {{ ref('int_municipality_successor_2025') }}
),

predecessor_counts as (
    select
        nis_code_2025,
        count(*) as n_predecessors
    from successors
    group by nis_code_2025
),

-- One answer per municipality of the wave's own map: its codes, ascending.
answers as (
    select
        choice_answers.wave_id,
        choice_answers.question_id,
        choice_answers.row_code,
        choice_answers.nis_code,
        waves.municipality_map,
        array_agg(choice_answers.choice_code order by choice_answers.choice_code) as codes
    from {{ ref('int_municipality_choice_answers') }} as choice_answers
    inner join questions
        on
            choice_answers.wave_id = questions.wave_id
            and choice_answers.question_id = questions.question_id
    inner join waves on choice_answers.wave_id = waves.wave_id
    group by
        choice_answers.wave_id,
        choice_answers.question_id,
        choice_answers.row_code,
        choice_answers.nis_code,
        waves.municipality_map
),

on_2025_map as (
    select
        answers.*,
        case
            when answers.municipality_map = '2025' then answers.nis_code
            else successors.nis_code_2025
        end as nis_code_2025
    from answers
    left join successors
        on
            answers.nis_code = successors.nis_code
            and answers.municipality_map = '2019-2024'
)

select
    on_2025_map.wave_id,
    on_2025_map.question_id,
    on_2025_map.row_code,
    on_2025_map.nis_code_2025,
    count(*) as n_source_municipalities,
    count(distinct on_2025_map.codes) as n_distinct_answers,
    case when count(distinct on_2025_map.codes) = 1 then any_value(on_2025_map.codes) end as codes,
    string_agg(
        on_2025_map.nis_code || ': ' || array_to_string(on_2025_map.codes, ','), ' | '
        order by on_2025_map.nis_code
    ) as source_answers,
    case
        when any_value(on_2025_map.municipality_map) = '2025' then 1
        else any_value(predecessor_counts.n_predecessors)
    end as n_predecessors
from on_2025_map
left join predecessor_counts on on_2025_map.nis_code_2025 = predecessor_counts.nis_code_2025
group by on_2025_map.wave_id, on_2025_map.question_id, on_2025_map.row_code, on_2025_map.nis_code_2025
