-- Contract §5.3: the fieldwork monitor's coverage curve, one row per wave and day (built in
-- intermediate.int_fieldwork_progress).
select
    wave_id,
    day,
    responses_recorded,
    valid_responses,
    municipalities_covered,
    municipalities_on_map,
    coverage_pct
from {{ ref('int_fieldwork_progress') }}
order by wave_id, day
