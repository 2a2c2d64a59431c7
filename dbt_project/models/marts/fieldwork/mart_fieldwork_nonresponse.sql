-- Contract §5.3: the reminder list, one row per wave and municipality of its map without a valid response
-- yet (built in intermediate.int_fieldwork_nonresponse).
select
    wave_id,
    nis_code,
    name_nl,
    province_name_nl,
    size_class,
    belfius_cluster_code,
    is_centrumstad,
    answered_previous_wave
from {{ ref('int_fieldwork_nonresponse') }}
order by wave_id, nis_code
