-- The report's unit (built in intermediate.int_municipality_answers): one row per wave × municipality ×
-- closed question × (matrix row) × chosen code after consolidation, and per answered text question.
select * from {{ ref('int_municipality_answers') }}
