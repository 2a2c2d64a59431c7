-- What an analyst exports: one row per wave × responding municipality with its reference attributes,
-- Taskforce reception and every consolidated answer as a column (names in int_municipality_indicators).
-- Pivoted dynamically, so a new wave's codebook brings its own columns; the indicator list is read when
-- the model runs, so the columns follow the questionnaire's order instead of the alphabet. One filtered
-- aggregate per indicator (not DuckDB's PIVOT), so PostgreSQL builds the same table.
{%- set indicator_names = [] -%}
{%- if execute and target.name != 'memory' -%}
    {%- set ordered = run_query(
        "select indicator from " ~ ref('int_municipality_indicators')
        ~ " group by indicator order by min(indicator_order), indicator"
    ) -%}
    {%- set indicator_names = ordered.columns[0].values() -%}
{%- endif %}

with

indicators as (
    select
        wave_id,
        nis_code,
        indicator,
        indicator_value
    from {{ ref('int_municipality_indicators') }}
),

-- (lint sees no indicator columns, hence the noqa on the join below)
answers_wide as (
    select
        {% for name in indicator_names -%}
            max(indicator_value) filter (where indicator = '{{ name }}') as {{ adapter.quote(name) }},
        {% endfor -%}
        wave_id,
        nis_code
    from indicators
    group by wave_id, nis_code
),

responding as (
    select * from {{ ref('int_responding_municipalities') }}
)

select
    responding.wave_id,
    responding.nis_code,
    municipalities.name_nl,
    municipalities.province_name_nl,
    municipalities.size_class,
    municipalities.belfius_type_code,
    municipalities.is_centrumstad,
    municipalities.population,
    responding.n_questionnaires,
    reception.persons as taskforce_persons,
    reception.minors as taskforce_minors,
    {{ round_to('reception.persons_per_1000', 2) }} as taskforce_persons_per_1000{% for name in indicator_names %},
    answers_wide.{{ adapter.quote(name) }}{% endfor %}
from responding
left join {{ ref('int_wave_municipalities') }} as municipalities
    on
        responding.wave_id = municipalities.wave_id
        and responding.nis_code = municipalities.nis_code
left join {{ ref('int_taskforce_reception') }} as reception
    on
        responding.wave_id = reception.wave_id
        and responding.nis_code = reception.nis_code
left join answers_wide -- noqa: ST11
    on
        responding.wave_id = answers_wide.wave_id
        and responding.nis_code = answers_wide.nis_code
