-- Taskforce reception summed up over each wave's responding municipalities (report §5.2; built in
-- intermediate.int_taskforce_summary, which the report figures read too).
select * from {{ ref('int_taskforce_summary') }}
