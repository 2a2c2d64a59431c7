-- Response coverage per wave by province, size class and Belfius type, and in total (report tables
-- 3.1–3.3; built in intermediate.int_response_coverage, which the report figures read too).
select * from {{ ref('int_response_coverage') }}
