-- Contract §5.3: per wave and day, from fieldwork_start to the day of the last recorded response (any
-- status), what was recorded by the end of that day (days of RecordedDate in Europe/Brussels; EndDate for
-- an export without RecordedDate): distinct ResponseIds (any status; a response pulled again after a
-- modification, or also delivered by hand, counts once, on the day it was first recorded), valid
-- verdicts, distinct municipalities with a valid verdict, the wave's map and the coverage.
with

rows_recorded as (
    select
        responses.wave_id,
        responses.response_id,
        status.status,
        status.nis_code,
        cast(
            timezone('Europe/Brussels', timezone('UTC', coalesce(responses.recorded_at_utc, responses.ended_at_utc)))
            as date
        ) as recorded_day
    from {{ ref('stg_qualtrics__responses') }} as responses
    inner join {{ ref('int_response_status') }} as status
        on
            {{ same_response('responses', 'status') }}
    where coalesce(responses.recorded_at_utc, responses.ended_at_utc) is not null
),

first_recorded as (
    select
        wave_id,
        response_id,
        min(recorded_day) as recorded_day
    from rows_recorded
    where response_id is not null
    group by wave_id, response_id
),

bounds as (
    select
        waves.wave_id,
        waves.fieldwork_start,
        max(rows_recorded.recorded_day) as last_day
    from {{ ref('stg_codebook__waves') }} as waves
    inner join rows_recorded on waves.wave_id = rows_recorded.wave_id
    group by waves.wave_id, waves.fieldwork_start
),

days as (
    select
        wave_id,
        cast({{ day_series('fieldwork_start', 'last_day') }} as date) as day  -- noqa: RF04
    from bounds
),

on_map as (
    select
        wave_id,
        count(*) as municipalities_on_map
    from {{ ref('int_wave_municipalities') }}
    group by wave_id
),

recorded as (
    select
        days.wave_id,
        days.day,
        count(first_recorded.response_id) as responses_recorded
    from days
    left join first_recorded
        on
            days.wave_id = first_recorded.wave_id
            and days.day >= first_recorded.recorded_day
    group by days.wave_id, days.day
),

valid as (
    select
        days.wave_id,
        days.day,
        count(rows_recorded.status) as valid_responses,
        count(distinct rows_recorded.nis_code) as municipalities_covered
    from days
    left join rows_recorded
        on
            days.wave_id = rows_recorded.wave_id
            and days.day >= rows_recorded.recorded_day
            and rows_recorded.status = 'valid'
    group by days.wave_id, days.day
)

select
    recorded.wave_id,
    recorded.day,
    recorded.responses_recorded,
    valid.valid_responses,
    valid.municipalities_covered,
    on_map.municipalities_on_map,
    {{ pct_half_up('valid.municipalities_covered', 'on_map.municipalities_on_map') }} as coverage_pct
from recorded
inner join valid
    on
        recorded.wave_id = valid.wave_id
        and recorded.day = valid.day
inner join on_map on recorded.wave_id = on_map.wave_id
