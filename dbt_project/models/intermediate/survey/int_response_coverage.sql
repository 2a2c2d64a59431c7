-- Response coverage per wave by province, size class and Belfius type (report tables 3.1–3.3), and in
-- total: municipalities on the map, municipalities that responded, and their valid questionnaires.
with

municipalities as (
    select
        wave_municipalities.wave_id,
        wave_municipalities.nis_code,
        wave_municipalities.province_name_nl,
        wave_municipalities.size_class,
        wave_municipalities.belfius_type_code,
        responding.n_questionnaires
    from {{ ref('int_wave_municipalities') }} as wave_municipalities
    left join {{ ref('int_responding_municipalities') }} as responding
        on
            wave_municipalities.wave_id = responding.wave_id
            and wave_municipalities.nis_code = responding.nis_code
),

by_dimension as (
    select
        municipalities.*,
        breakdown.dimension,
        breakdown.dimension_value
    from municipalities
    cross join lateral ( -- noqa: ST05
        select
            unnest(array['all', 'province', 'size_class', 'belfius_type']) as dimension,
            unnest(array['all', province_name_nl, size_class, belfius_type_code]) as dimension_value
    ) as breakdown
)

select
    wave_id,
    dimension,
    dimension_value,
    count(*) as n_municipalities,
    count(n_questionnaires) as n_responding,
    coalesce(sum(n_questionnaires), 0) as n_questionnaires,
    {{ pct_half_up('count(n_questionnaires)', 'count(*)') }} as pct_responding
from by_dimension
group by wave_id, dimension, dimension_value
order by wave_id, dimension, dimension_value
