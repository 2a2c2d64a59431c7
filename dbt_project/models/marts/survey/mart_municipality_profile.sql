-- What an analyst exports: one row per wave × responding municipality with its reference attributes,
-- Taskforce reception and every consolidated answer as a column (names in int_municipality_indicators).
-- Pivoted dynamically, so a new wave's codebook brings its own columns; the indicator list is read when
-- the model runs, so the columns follow the questionnaire's order instead of the alphabet.
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

answers_wide as (
    select * from (
        pivot indicators on indicator -- noqa: PRS
        {%- if indicator_names | length > 0 %}
            in ({% for name in indicator_names %}'{{ name }}'{{ ", " if not loop.last }}{% endfor %})
        {%- endif %}
        using first(indicator_value)
        group by wave_id, nis_code
    )
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
    round(reception.persons_per_1000, 2) as taskforce_persons_per_1000,
    answers_wide.* exclude (wave_id, nis_code) -- noqa: RF02
from responding
left join {{ ref('int_wave_municipalities') }} as municipalities
    on
        responding.wave_id = municipalities.wave_id
        and responding.nis_code = municipalities.nis_code
left join {{ ref('int_taskforce_reception') }} as reception
    on
        responding.wave_id = reception.wave_id
        and responding.nis_code = reception.nis_code
left join answers_wide
    on
        responding.wave_id = answers_wide.wave_id
        and responding.nis_code = answers_wide.nis_code
