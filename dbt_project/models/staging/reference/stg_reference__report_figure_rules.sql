-- How to compute the published figures the codebook cannot express (coverage, Taskforce, claims in
-- words, text mentions); several parts make one figure when its claim has several conditions.
select
    wave_id,
    figure_id,
    source as rule_source,
    nullif(question_id, '') as question_id,
    nullif(text_pattern, '') as text_pattern,
    nullif(dimension, '') as dimension,
    nullif(dimension_value, '') as dimension_value,
    statistic,
    statement,
    cast(part as integer) as part,
    case
        when nullif(trim(codes), '') is not null
            then cast(string_to_array(trim(codes), ' ') as integer[])
    end as codes,
    coalesce({{ cast_or_null('min_codes', 'integer') }}, 1) as min_codes,
    {{ cast_or_null('pct_above', 'double') }} as pct_above,
    {{ cast_or_null('pct_at_most', 'double') }} as pct_at_most
from {{ source('reference', 'report_figure_rules') }}
