-- Municipalities with at least one valid questionnaire, per wave.
select
    wave_id,
    nis_code,
    count(*) as n_questionnaires
from {{ ref('int_response_status') }}
where status = 'valid'
group by wave_id, nis_code
