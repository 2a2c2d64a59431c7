-- Every text that identifies a municipality, per municipality map and resolution rule (contract §2):
-- exact names (Dutch or French), names of municipalities merged away before the map, deelgemeenten
-- and postal codes. One text may point to several municipalities; resolution decides what that means.
with

municipalities as (
    select * from {{ ref('stg_reference__municipalities') }}
),

municipalities_2025 as (
    select * from {{ ref('stg_reference__municipalities_2025') }}
),

successors as (
    select * from {{ ref('int_municipality_successor_2025') }}
),

mergers as (
    select * from {{ ref('stg_reference__municipality_mergers') }}
),

deelgemeenten as (
    select * from {{ ref('stg_reference__deelgemeenten') }}
),

postal_codes as (
    select * from {{ ref('stg_reference__postal_codes') }}
),

-- Map 2019-2024: the 300 municipalities of the spring-2023 survey.
map_2019 as (
    select
        '2019-2024' as municipality_map,
        'exact_name' as method,
        name_nl as candidate_name,
        nis_code
    from municipalities
    union all
    select
        '2019-2024' as municipality_map,
        'exact_name' as method,
        name_fr as candidate_name,
        nis_code
    from municipalities
    union all
    select
        '2019-2024' as municipality_map,
        'merged_name' as method,
        old_name_nl as candidate_name,
        new_nis_code as nis_code
    from mergers
    where effective_date <= date '2019-01-01'
    union all
    select
        '2019-2024' as municipality_map,
        'deelgemeente' as method,
        name_nl as candidate_name,
        nis_code
    from deelgemeenten
    union all
    -- "Deurne (Antwerpen)" is typed "Deurne": the qualifier-less name, which may then be ambiguous.
    select
        '2019-2024' as municipality_map,
        'deelgemeente' as method,
        regexp_replace(name_nl, '\s*\(.*\)$', '') as candidate_name,
        nis_code
    from deelgemeenten
    union all
    select
        '2019-2024' as municipality_map,
        'postal_code' as method,
        postal_codes.postal_code as candidate_name,
        successors.nis_code
    from postal_codes
    inner join successors on postal_codes.nis_code_2025 = successors.nis_code_2025
),

-- Map 2025: the 285 municipalities; older names and deelgemeenten follow their municipality there.
map_2025 as (
    select
        '2025' as municipality_map,
        'exact_name' as method,
        name_nl as candidate_name,
        nis_code
    from municipalities_2025
    union all
    select
        '2025' as municipality_map,
        'exact_name' as method,
        municipalities.name_fr as candidate_name,
        successors.nis_code_2025 as nis_code
    from municipalities
    inner join successors on municipalities.nis_code = successors.nis_code
    where successors.nis_code = successors.nis_code_2025
    union all
    select
        '2025' as municipality_map,
        'merged_name' as method,
        mergers.old_name_nl as candidate_name,
        coalesce(successors.nis_code_2025, mergers.new_nis_code) as nis_code
    from mergers
    left join successors on mergers.new_nis_code = successors.nis_code
    where mergers.effective_date <= date '2025-01-01'
    union all
    select
        '2025' as municipality_map,
        'deelgemeente' as method,
        deelgemeenten.name_nl as candidate_name,
        successors.nis_code_2025 as nis_code
    from deelgemeenten
    inner join successors on deelgemeenten.nis_code = successors.nis_code
    union all
    select
        '2025' as municipality_map,
        'deelgemeente' as method,
        regexp_replace(deelgemeenten.name_nl, '\s*\(.*\)$', '') as candidate_name,
        successors.nis_code_2025 as nis_code
    from deelgemeenten
    inner join successors on deelgemeenten.nis_code = successors.nis_code
    union all
    select
        '2025' as municipality_map,
        'postal_code' as method,
        postal_code as candidate_name,
        nis_code_2025 as nis_code
    from postal_codes
),

candidates as (
    select * from map_2019
    union all
    select * from map_2025
)

select distinct
    municipality_map,
    method,
    case method
        when 'exact_name' then 2
        when 'merged_name' then 3
        when 'deelgemeente' then 4
        when 'postal_code' then 5
    end as method_rank,
    candidate_name,
    {{ normalise_place_name('candidate_name') }} as candidate_key,
    nis_code
from candidates
where candidate_name is not null
