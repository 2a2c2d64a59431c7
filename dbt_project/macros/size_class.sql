{#-
    Size class of the Gemeente-Stadsmonitor: the 13 centrumsteden form the top class whatever their
    population; the others are classed by inhabitants. Labels are the ones dim_municipality exposes.
-#}
{% macro size_class(population, is_centrumstad) -%}
    case
        when {{ is_centrumstad }} then '> 50.000'
        when {{ population }} < 10000 then '< 10.000'
        when {{ population }} < 20000 then '10.000 - 20.000'
        when {{ population }} < 30000 then '20.000 - 30.000'
        when {{ population }} < 50000 then '30.000 - 50.000'
        else '> 50.000'
    end
{%- endmacro %}
