-- The municipalities of each wave's map with the attributes figures are broken down by: from
-- int_municipalities_2019_2024 or int_municipalities_2025 (the models behind the two dimensions).
with

waves as (
    select * from {{ ref('stg_codebook__waves') }}
),

maps as (
    select
        '2019-2024' as municipality_map,
        nis_code,
        name_nl,
        province_name_nl,
        size_class,
        belfius_type_code,
        belfius_cluster_code,
        is_centrumstad,
        population,
        population_reference_date
    from {{ ref('int_municipalities_2019_2024') }}
    union all
    select
        '2025' as municipality_map,
        nis_code,
        name_nl,
        province_name_nl,
        size_class,
        belfius_type_code,
        belfius_cluster_code,
        is_centrumstad,
        population,
        population_reference_date
    from {{ ref('int_municipalities_2025') }}
)

select
    waves.wave_id,
    maps.*
from waves
inner join maps on waves.municipality_map = maps.municipality_map
