-- What a wave's survey.qsf holds that the warehouse does not tabulate (contract §5.1), one row per finding.
select
    wave_id,
    source_file,
    question_id,
    finding_type,
    finding
from {{ source('raw', 'codebook_findings') }}
