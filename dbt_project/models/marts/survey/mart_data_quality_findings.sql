-- Everything the warehouse set aside or could not read, in one place, with file and row (collected in
-- intermediate.int_data_quality_findings).
select * from {{ ref('int_data_quality_findings') }}
