-- The reproduction promise for the report wave: a figure that does not match must be one the report
-- itself makes impossible (`inconsistency`) or one that depends on the population date. A warning, not
-- an error: on another export of the same wave the counts are simply different, and that is news.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'mart_report_figures'}}}) }}

select
    figure_id,
    kind,
    count,
    count_printed,
    base_n,
    base_n_printed
from {{ ref('mart_report_figures') }}
where not matches_report and kind not in ('inconsistency', 'population_dependent')
