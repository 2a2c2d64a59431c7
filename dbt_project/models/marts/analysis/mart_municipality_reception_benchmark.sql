-- One responding municipality's Taskforce reception beside its peers: persons from Ukraine per 1 000
-- inhabitants on the wave's reference date, and the median of that among the responding municipalities
-- of its Belfius cluster, province, size class, the centrumsteden (when it is one) and all of Flanders
-- (same wave; the municipality itself counted, as in mart_municipality_benchmark).
with

municipalities as (
    select
        responding.wave_id,
        responding.nis_code,
        wave_municipalities.name_nl,
        wave_municipalities.belfius_cluster_code,
        wave_municipalities.province_name_nl,
        wave_municipalities.size_class,
        wave_municipalities.is_centrumstad,
        reception.persons,
        reception.population,
        reception.persons_per_1000
    from {{ ref('int_responding_municipalities') }} as responding
    inner join {{ ref('int_wave_municipalities') }} as wave_municipalities
        on
            responding.wave_id = wave_municipalities.wave_id
            and responding.nis_code = wave_municipalities.nis_code
    left join {{ ref('int_taskforce_reception') }} as reception
        on
            responding.wave_id = reception.wave_id
            and responding.nis_code = reception.nis_code
),

-- Per group: how many of its municipalities have a count, and their median per 1 000.
clusters as (
    select
        wave_id,
        belfius_cluster_code,
        count(persons_per_1000) as n_with_count,
        {{ median('persons_per_1000') }} as median_per_1000
    from municipalities
    where belfius_cluster_code is not null
    group by wave_id, belfius_cluster_code
),

provinces as (
    select
        wave_id,
        province_name_nl,
        count(persons_per_1000) as n_with_count,
        {{ median('persons_per_1000') }} as median_per_1000
    from municipalities
    group by wave_id, province_name_nl
),

size_classes as (
    select
        wave_id,
        size_class,
        count(persons_per_1000) as n_with_count,
        {{ median('persons_per_1000') }} as median_per_1000
    from municipalities
    group by wave_id, size_class
),

centrumsteden as (
    select
        wave_id,
        count(persons_per_1000) as n_with_count,
        {{ median('persons_per_1000') }} as median_per_1000
    from municipalities
    where is_centrumstad
    group by wave_id
),

flanders as (
    select
        wave_id,
        count(persons_per_1000) as n_with_count,
        {{ median('persons_per_1000') }} as median_per_1000
    from municipalities
    group by wave_id
)

select
    municipalities.wave_id,
    municipalities.nis_code,
    municipalities.name_nl,
    municipalities.persons,
    municipalities.population,
    municipalities.persons_per_1000,
    municipalities.belfius_cluster_code,
    clusters.n_with_count as cluster_n_with_count,
    clusters.median_per_1000 as cluster_median_per_1000,
    municipalities.province_name_nl,
    provinces.n_with_count as province_n_with_count,
    provinces.median_per_1000 as province_median_per_1000,
    municipalities.size_class,
    size_classes.n_with_count as size_class_n_with_count,
    size_classes.median_per_1000 as size_class_median_per_1000,
    municipalities.is_centrumstad,
    centrumsteden.n_with_count as centrumsteden_n_with_count,
    centrumsteden.median_per_1000 as centrumsteden_median_per_1000,
    flanders.n_with_count as flanders_n_with_count,
    flanders.median_per_1000 as flanders_median_per_1000
from municipalities
left join clusters
    on
        municipalities.wave_id = clusters.wave_id
        and municipalities.belfius_cluster_code = clusters.belfius_cluster_code
inner join provinces
    on
        municipalities.wave_id = provinces.wave_id
        and municipalities.province_name_nl = provinces.province_name_nl
inner join size_classes
    on
        municipalities.wave_id = size_classes.wave_id
        and municipalities.size_class = size_classes.size_class
left join centrumsteden
    on
        municipalities.wave_id = centrumsteden.wave_id
        and municipalities.is_centrumstad
inner join flanders
    on municipalities.wave_id = flanders.wave_id
order by municipalities.wave_id, municipalities.nis_code
