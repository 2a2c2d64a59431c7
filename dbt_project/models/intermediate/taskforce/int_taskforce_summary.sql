-- Summary of Taskforce reception over each wave's responding municipalities (report §5.2). The
-- per-1 000 statistics depend on the population reference date (the report used 2023 figures).
select
    wave_id,
    count(persons) as n_municipalities_with_count,
    count(*) filter (where persons is null) as n_municipalities_without_count,
    sum(persons) as persons_total,
    sum(minors) as minors_total,
    sum(persons) filter (where minors is not null) as persons_with_minors_total,
    100.0 * sum(minors) / nullif(sum(persons) filter (where minors is not null), 0) as minors_share_pct,
    min(persons) as persons_min,
    max(persons) as persons_max,
    {{ median('persons') }} as persons_median,
    avg(persons_per_1000) as per_1000_mean,
    {{ median('persons_per_1000') }} as per_1000_median,
    min(persons_per_1000) as per_1000_min,
    max(persons_per_1000) as per_1000_max,
    max(population_reference_date) as population_reference_date
from {{ ref('int_taskforce_reception') }}
where has_responded
group by wave_id
