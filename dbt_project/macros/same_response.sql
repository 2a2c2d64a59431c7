{#- Join condition on the key of an export row: wave, file and data row. -#}
{% macro same_response(left, right) -%}
    {{ left }}.wave_id = {{ right }}.wave_id
    and {{ left }}.source_file = {{ right }}.source_file
    and {{ left }}.source_row = {{ right }}.source_row
{%- endmacro %}
