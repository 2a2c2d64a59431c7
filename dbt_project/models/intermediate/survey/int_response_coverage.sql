-- Response coverage per wave by province, size class and Belfius type (report tables 3.1–3.3), and in
-- total: municipalities on the map, municipalities that responded, and their valid questionnaires. Each
-- group has a readable label (a Belfius type's Dutch name, not its code) and a position in its natural
-- order (size classes small to large, Belfius types in the typology's cluster order V1–V16), so readers
-- need not sort "10.000 - 20.000" before "< 10.000".
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
),

belfius_types as (
    select
        type_code,
        min(type_label_nl) as type_label_nl,
        min(cast(substr(cluster_code, 2) as integer)) as first_cluster
    from {{ ref('stg_reference__belfius_typology') }}
    group by type_code
),

coverage as (
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
)

select
    coverage.wave_id,
    coverage.dimension,
    coverage.dimension_value,
    case
        when coverage.dimension = 'belfius_type' then belfius_types.type_label_nl
        else coverage.dimension_value
    end as dimension_label,
    row_number() over (
        partition by coverage.wave_id, coverage.dimension
        order by
            {{ size_class_position('coverage.dimension_value') }} nulls last,
            belfius_types.first_cluster nulls last,
            coverage.dimension_value nulls last
    ) as dimension_position,
    coverage.n_municipalities,
    coverage.n_responding,
    coverage.n_questionnaires,
    coverage.pct_responding
from coverage
left join belfius_types
    on
        coverage.dimension = 'belfius_type'
        and coverage.dimension_value = belfius_types.type_code
order by coverage.wave_id, coverage.dimension, dimension_position
