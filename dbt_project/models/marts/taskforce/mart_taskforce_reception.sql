-- People from Ukraine received per municipality on each wave's reference date (Taskforce Oekraïne),
-- with inhabitants and the count per 1 000 (built in intermediate.int_taskforce_reception).
select * from {{ ref('int_taskforce_reception') }}
