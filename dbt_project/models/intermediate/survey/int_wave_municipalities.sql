-- The municipalities of each wave's map: the units a wave's answers and Taskforce counts belong to.
select distinct
    waves.wave_id,
    waves.municipality_map,
    candidates.nis_code
from {{ ref('stg_codebook__waves') }} as waves
inner join {{ ref('int_municipality_name_candidates') }} as candidates
    on waves.municipality_map = candidates.municipality_map
where candidates.method = 'exact_name'
