{#-
    Size class of the Gemeente-Stadsmonitor: the 13 centrumsteden form the top class whatever their
    population; the others are classed by inhabitants. Labels are the ones dim_municipality exposes.
    The classes are listed once, smallest first (label, inhabitants below which a municipality is in it):
    size_class() assigns them, size_class_position() orders them (as text "10.000 - 20.000" sorts first).
-#}
{% macro size_classes() -%}
    {{ return([
        ('< 10.000', 10000),
        ('10.000 - 20.000', 20000),
        ('20.000 - 30.000', 30000),
        ('30.000 - 50.000', 50000),
        ('> 50.000', none),
    ]) }}
{%- endmacro %}

{% macro size_class(population, is_centrumstad) -%}
    {%- set largest = size_classes()[-1][0] -%}
    case
        when {{ is_centrumstad }} then '{{ largest }}'
        {%- for label, below in size_classes() if below is not none %}
        when {{ population }} < {{ below }} then '{{ label }}'
        {%- endfor %}
        else '{{ largest }}'
    end
{%- endmacro %}

{% macro size_class_position(size_class) -%}
    case {{ size_class }}
        {%- for label, below in size_classes() %}
        when '{{ label }}' then {{ loop.index }}
        {%- endfor %}
    end
{%- endmacro %}
