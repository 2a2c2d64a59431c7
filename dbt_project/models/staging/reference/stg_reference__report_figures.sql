-- Published figures per wave, typed; the printed precision is kept to compare at that precision.
select
    wave_id,
    figure_id,
    source as report_source,
    unit,
    category,
    kind,
    note,
    {{ cast_or_null('count', 'double') }} as count_printed,
    {{ cast_or_null('base_n', 'integer') }} as base_n_printed,
    {{ cast_or_null('pct_printed', 'double') }} as pct_printed,
    cast(
        case when strpos(count, '.') > 0 then length(split_part(count, '.', 2)) else 0 end as integer
    ) as count_printed_decimals,
    cast(
        case when strpos(pct_printed, '.') > 0 then length(split_part(pct_printed, '.', 2)) else 0 end as integer
    ) as pct_printed_decimals
from {{ source('reference', 'report_figures') }}
