-- Published figures per wave, typed; the printed precision is kept to compare at that precision.
select
    wave_id,
    figure_id,
    source as report_source,
    unit,
    category,
    kind,
    note,
    try_cast(count as double) as count_printed,
    try_cast(base_n as integer) as base_n_printed,
    try_cast(pct_printed as double) as pct_printed,
    cast(
        case when contains(count, '.') then length(split_part(count, '.', 2)) else 0 end as integer
    ) as count_printed_decimals,
    cast(
        case when contains(pct_printed, '.') then length(split_part(pct_printed, '.', 2)) else 0 end as integer
    ) as pct_printed_decimals
from {{ source('reference', 'report_figures') }}
