{#- Schema names are part of the contract: `marts`, not `main_marts`. On PostgreSQL a run builds into
    `<schema_prefix><schema>` (`draft_marts`, ...) and publishing renames them (docs/POSTGRES.md). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ var('schema_prefix', '') }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
