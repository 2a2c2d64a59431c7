-- Contract §3: every published figure of the report wave (var `report_wave_id`) with the warehouse's
-- count, base and percentage beside the printed ones. Why a row does not match is in
-- intermediate.int_report_figure_comparison (`explanation`).
select
    figure_id,
    count,
    base_n,
    pct,
    count_printed,
    base_n_printed,
    pct_printed,
    kind,
    matches_report
from {{ ref('int_report_figure_comparison') }}
where wave_id = '{{ var("report_wave_id") }}'
order by figure_id
