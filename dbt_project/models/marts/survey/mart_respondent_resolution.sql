-- Contract §3: the audit of every export row — which municipality it was resolved to, how, and whether
-- it counts (`valid`), was set aside (`excluded`) or needs a human (`quarantined`). No PII.
select
    status.wave_id,
    status.response_id,
    status.source_file,
    status.source_row,
    status.municipality_text,
    status.nis_code,
    status.method,
    status.status,
    status.reason
from {{ ref('int_response_status') }} as status
order by status.wave_id, status.source_file, status.source_row
