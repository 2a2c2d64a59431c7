-- The 2019–2024 map (the contract's) with every attribute figures are broken down by; published as
-- marts.dim_municipality.
with

municipality as (
    select * from {{ ref('stg_reference__municipalities') }}
),

population as (
    select * from {{ ref('int_municipality_population_latest') }}
),

typology as (
    select * from {{ ref('stg_reference__belfius_typology') }}
),

successor as (
    select * from {{ ref('int_municipality_successor_2025') }}
)

select
    municipality.nis_code,
    municipality.name_nl,
    municipality.province_name_nl,
    municipality.arrondissement_name_nl,
    {{ size_class('population.population', 'municipality.is_centrumstad') }} as size_class,
    typology.cluster_code as belfius_cluster_code,
    typology.type_code as belfius_type_code,
    municipality.is_centrumstad,
    municipality.elz_code,
    population.population,
    population.population_reference_date,
    successor.nis_code_2025
from municipality
left join population on municipality.nis_code = population.nis_code
left join typology on municipality.nis_code = typology.nis_code
left join successor on municipality.nis_code = successor.nis_code
