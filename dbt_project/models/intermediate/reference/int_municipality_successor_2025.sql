-- Each 2019–2024 municipality's municipality on the 2025 map: merged away on 2025-01-01, or unchanged.
select
    municipality.nis_code,
    coalesce(merger.new_nis_code, municipality.nis_code) as nis_code_2025
from {{ ref('stg_reference__municipalities') }} as municipality
left join {{ ref('stg_reference__municipality_mergers') }} as merger
    on
        municipality.nis_code = merger.old_nis_code
        and merger.effective_date = date '2025-01-01'
