-- Contract §5.3: the municipalities of each wave's map without a valid response yet (the reminder list),
-- and whether each answered the wave its questions are `comparable_to` — on the 2025 map, the
-- municipality or any of its predecessors (the municipalities merged into it on 2025-01-01). NULL when
-- the wave compares to no wave, or the wave it compares to is not in the warehouse. When the questions
-- name several earlier waves, the latest of them (by fieldwork_start) is the previous wave.
with

waves as (
    select * from {{ ref('stg_codebook__waves') }}
),

previous_wave as (
    select
        compared.wave_id,
        compared.comparable_wave_id as previous_wave_id,
        earlier.municipality_map as previous_map,
        earlier.wave_id is not null as is_loaded,
        row_number() over (
            partition by compared.wave_id
            order by earlier.fieldwork_start desc nulls last, compared.comparable_wave_id desc
        ) as recency
    from (
        select distinct
            wave_id,
            comparable_wave_id
        from {{ ref('stg_codebook__questions') }}
        where comparable_wave_id is not null
    ) as compared
    left join waves as earlier on compared.comparable_wave_id = earlier.wave_id
),

-- Each municipality that answered a wave, on that wave's map and on the 2025 map.
answered as (
    select
        responding.wave_id,
        responding.nis_code,
        coalesce(successor.nis_code_2025, responding.nis_code) as nis_code_2025
    from {{ ref('int_responding_municipalities') }} as responding
    inner join waves on responding.wave_id = waves.wave_id
    left join {{ ref('int_municipality_successor_2025') }} as successor
        on
            waves.municipality_map = '2019-2024'
            and responding.nis_code = successor.nis_code
),

missing as (
    select wave_municipalities.*
    from {{ ref('int_wave_municipalities') }} as wave_municipalities
    left join {{ ref('int_responding_municipalities') }} as responding
        on
            wave_municipalities.wave_id = responding.wave_id
            and wave_municipalities.nis_code = responding.nis_code
    where responding.nis_code is null
),

previous_answers as (
    select
        missing.wave_id,
        missing.nis_code,
        count(answered.nis_code) > 0 as answered_previous_wave
    from missing
    inner join previous_wave
        on
            missing.wave_id = previous_wave.wave_id
            and previous_wave.recency = 1
            and previous_wave.is_loaded
    left join {{ ref('int_municipality_successor_2025') }} as own_successor
        on missing.nis_code = own_successor.nis_code
    left join answered
        on
            previous_wave.previous_wave_id = answered.wave_id
            and (
                -- the same map: the same municipality
                (
                    missing.municipality_map = previous_wave.previous_map
                    and missing.nis_code = answered.nis_code
                )
                -- a 2025 wave after a 2019-2024 one: the municipality or one of its predecessors
                or (
                    missing.municipality_map = '2025'
                    and previous_wave.previous_map != '2025'
                    and missing.nis_code = answered.nis_code_2025
                )
                -- a 2019-2024 wave after a 2025 one: the municipality it became
                or (
                    missing.municipality_map != '2025'
                    and previous_wave.previous_map = '2025'
                    and coalesce(own_successor.nis_code_2025, missing.nis_code) = answered.nis_code
                )
            )
    group by missing.wave_id, missing.nis_code
)

select
    missing.wave_id,
    missing.nis_code,
    missing.name_nl,
    missing.province_name_nl,
    missing.size_class,
    missing.belfius_cluster_code,
    missing.is_centrumstad,
    previous_answers.answered_previous_wave
from missing
left join previous_answers
    on
        missing.wave_id = previous_answers.wave_id
        and missing.nis_code = previous_answers.nis_code
