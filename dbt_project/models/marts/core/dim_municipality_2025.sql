-- The 2025 map with the attributes its municipalities take from their predecessors
-- (built in intermediate.int_municipalities_2025).
select * from {{ ref('int_municipalities_2025') }}
