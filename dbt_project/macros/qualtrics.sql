{#- Qualtrics conventions shared by the staging models (contract §1). -#}

{#- Status arrives as a code or as its label; only 0, 4 and 16 are real responses. -#}
{% macro qualtrics_status_code(value) -%}
    case lower(trim({{ value }}))
        when 'ip address' then 0
        when 'survey preview' then 1
        when 'survey test' then 2
        when 'imported' then 4
        when 'spam' then 8
        when 'survey preview spam' then 9
        when 'offline' then 16
        when 'offline survey preview' then 17
        else {{ cast_or_null('trim(' ~ value ~ ')', 'integer') }}
    end
{%- endmacro %}

{#- A file the API pull wrote (contract §5.2): `waves/<wave_id>/qualtrics_<UTC time>.csv`, names sorting in
    pull order. Hand-delivered exports have any other name. -#}
{% macro is_api_pull(source_file) -%}
    ({{ source_file }} like 'waves/%/qualtrics!_%.csv' escape '!')
{%- endmacro %}

{#- ISO dates as Qualtrics writes them, or day-first as Excel re-saves them; interpreted in `time_zone`
    (row 3 of the export; `Z` is UTC) and returned as a UTC timestamp. -#}
{% macro qualtrics_timestamp_utc(value, time_zone) -%}
    timezone(
        'UTC',
        timezone(
            case when {{ time_zone }} in ('Z', 'z') then 'UTC' else coalesce({{ time_zone }}, '{{ var("default_time_zone") }}') end,
            coalesce(
                {{ try_strptime('trim(' ~ value ~ ')', '%Y-%m-%d %H:%M:%S') }},
                {{ try_strptime('trim(' ~ value ~ ')', '%Y-%m-%dT%H:%M:%S') }},
                {{ try_strptime('trim(' ~ value ~ ')', '%Y-%m-%dT%H:%M:%SZ') }},
                {{ try_strptime('trim(' ~ value ~ ')', '%Y-%m-%d %H:%M') }},
                {{ try_strptime('trim(' ~ value ~ ')', '%d/%m/%Y %H:%M:%S') }},
                {{ try_strptime('trim(' ~ value ~ ')', '%d/%m/%Y %H:%M') }},
                {{ try_strptime('trim(' ~ value ~ ')', '%d-%m-%Y %H:%M:%S') }},
                {{ try_strptime('trim(' ~ value ~ ')', '%d-%m-%Y %H:%M') }}
            )
        )
    )
{%- endmacro %}

{#- True/False or 1/0. -#}
{% macro qualtrics_flag(value) -%}
    case lower(trim({{ value }})) when '1' then true when 'true' then true when '0' then false when 'false' then false end
{%- endmacro %}

{#- A typed whole number: `1250`, or with Dutch thousands separators `1.250` / `1 250`. Anything else
    (`12.5`, `ongeveer 40`) is NULL, so the cell is reported instead of read as something it is not
    (a plain cast would read `1.000` as 1). -#}
{% macro whole_number(value) -%}
    case
        when {{ regexp_full_match('trim(' ~ value ~ ')', '-?[0-9]+') }}
            then {{ cast_or_null('trim(' ~ value ~ ')', 'bigint') }}
        when {{ regexp_full_match('trim(' ~ value ~ ')', '[0-9]{1,3}([ .][0-9]{3})+') }}
            then {{ cast_or_null("regexp_replace(trim(" ~ value ~ "), '[ .]', '', 'g')", 'bigint') }}
    end
{%- endmacro %}

{#- `-99` is Qualtrics' "seen but unanswered" recode: not an answer. -#}
{% macro is_unanswered_recode(value) -%}
    (trim({{ value }}) = '-99')
{%- endmacro %}

{#- 100 × count / base rounded half-up to `decimals`, in exact integer arithmetic: binary floats would
    round 0.15 down. `count` and `base` must be whole numbers. A double on both targets. -#}
{% macro pct_half_up(count, base, decimals=1) -%}
    {%- set scale = 10 ** decimals -%}
    case
        when {{ base }} > 0
            then {{ integer_divide('2 * ' ~ 100 * scale ~ ' * cast(' ~ count ~ ' as ' ~ type_wide_integer() ~ ') + ' ~ base,
                                   '2 * ' ~ base) }}
            / cast({{ scale }} as {{ type_double() }})
    end
{%- endmacro %}
