-- Per wave: its export files and rows, when they were loaded, and whether the report's figures of it can
-- be compared (what `make run` and the Dagster metadata say per wave; built in intermediate.int_wave_loads).
select * from {{ ref('int_wave_loads') }}
order by wave_id
