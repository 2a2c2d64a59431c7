-- The fieldwork monitor counts what the resolution mart says: on a wave's last day, its valid responses
-- and municipalities are those of marts.mart_respondent_resolution, and the reminder list holds every other
-- municipality of the map.
{{ config(meta={'dagster': {'ref': {'name': 'mart_fieldwork_progress'}}}) }}

with

last_days as (
    select
        progress.*,
        row_number() over (partition by progress.wave_id order by progress.day desc) as recency
    from {{ ref('mart_fieldwork_progress') }} as progress
),

resolution as (
    select
        wave_id,
        count(*) filter (where status = 'valid') as valid_responses,
        count(distinct case when status = 'valid' then nis_code end) as municipalities_covered
    from {{ ref('mart_respondent_resolution') }}
    group by wave_id
),

nonresponse as (
    select
        wave_id,
        count(*) as municipalities_missing
    from {{ ref('mart_fieldwork_nonresponse') }}
    group by wave_id
)

select
    last_days.wave_id,
    last_days.valid_responses,
    resolution.valid_responses as resolution_valid_responses,
    last_days.municipalities_covered,
    resolution.municipalities_covered as resolution_municipalities,
    coalesce(nonresponse.municipalities_missing, 0) as municipalities_missing
from last_days
inner join resolution on last_days.wave_id = resolution.wave_id
left join nonresponse on last_days.wave_id = nonresponse.wave_id
where
    last_days.recency = 1
    and (
        last_days.valid_responses != resolution.valid_responses
        or last_days.municipalities_covered != resolution.municipalities_covered
        or last_days.municipalities_on_map - last_days.municipalities_covered
        != coalesce(nonresponse.municipalities_missing, 0)
    )
