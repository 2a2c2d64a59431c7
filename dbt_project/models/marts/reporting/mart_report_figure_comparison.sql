-- Every published figure of every wave beside the warehouse's value, with why it does not match: what
-- `make run` prints and the Dagster metadata of mart_report_figures shows (compared in
-- intermediate.int_report_figure_comparison).
select * from {{ ref('int_report_figure_comparison') }}
order by wave_id, figure_id
