-- One row per municipality of the 2025 map (285; published as marts.dim_municipality_2025), built from
-- its 2019–2024 predecessors: population summed, centrumstad if any predecessor was one, the Belfius
-- type and cluster where the predecessors agree (a merger of municipalities of different clusters has none:
-- the typology was never recomputed for the 2025 map, and picking one predecessor's would be a guess).
-- Province and arrondissement follow the NIS code's arrondissement prefix (Zwijndrecht, in the province
-- of Antwerpen until 2024, is part of Beveren-Kruibeke-Zwijndrecht in Oost-Vlaanderen since 2025).
with

municipalities_2025 as (
    select * from {{ ref('stg_reference__municipalities_2025') }}
),

predecessors as (
    select
        successors.nis_code_2025 as successor_nis_code,
        municipalities.*
    from {{ ref('int_municipality_successor_2025') }} as successors
    inner join {{ ref('int_municipalities_2019_2024') }} as municipalities
        on successors.nis_code = municipalities.nis_code
),

merged as (
    select
        successor_nis_code,
        count(*) as n_predecessors,
        string_agg(nis_code, ', ' order by nis_code) as predecessor_nis_codes,
        sum(population) as population,
        max(population_reference_date) as population_reference_date,
        bool_or(is_centrumstad) as is_centrumstad,
        case when count(distinct belfius_type_code) = 1 then min(belfius_type_code) end as belfius_type_code,
        case when count(distinct belfius_cluster_code) = 1 then min(belfius_cluster_code) end as belfius_cluster_code
    from predecessors
    group by successor_nis_code
),

arrondissements as (
    select distinct
        arrondissement_nis,
        arrondissement_name_nl,
        province_name_nl
    from {{ ref('stg_reference__municipalities') }}
)

select
    municipalities_2025.nis_code,
    municipalities_2025.name_nl,
    arrondissements.province_name_nl,
    arrondissements.arrondissement_name_nl,
    {{ size_class('merged.population', 'merged.is_centrumstad') }} as size_class,
    merged.belfius_type_code,
    merged.belfius_cluster_code,
    merged.is_centrumstad,
    merged.population,
    merged.population_reference_date,
    merged.n_predecessors,
    merged.predecessor_nis_codes
from municipalities_2025
left join merged on municipalities_2025.nis_code = merged.successor_nis_code
left join arrondissements on left(municipalities_2025.nis_code, 2) || '000' = arrondissements.arrondissement_nis
