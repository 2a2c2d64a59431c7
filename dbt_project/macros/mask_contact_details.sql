{#- Contact details typed into open text, masked where the text leaves the raw layer (raw keeps what
    arrived): e-mail addresses become `[e-mail]`, Belgian phone numbers (`+32 …`, `0032 …`, `04xx xx xx xx`,
    `09 123 45 67`, with spaces, dots, slashes or dashes) `[telefoon]`, and the respondent's own first and
    last name as the export's RecipientFirstName / RecipientLastName hold them `[naam]` (whole words, any
    case; names shorter than two letters are left alone). A digit right before or after a phone number
    keeps it from matching, so postal codes, years and counts stay. -#}
{% macro mask_contact_details(text, first_name=none, last_name=none) -%}
    {%- set masked = _mask_phone_numbers(_mask_email_addresses(text)) -%}
    {%- if first_name is not none %}{% set masked = _mask_name(masked, first_name) %}{% endif -%}
    {%- if last_name is not none %}{% set masked = _mask_name(masked, last_name) %}{% endif -%}
    {{ masked }}
{%- endmacro %}

{% macro _mask_email_addresses(text) -%}
    regexp_replace({{ text }}, '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}', '[e-mail]', 'g')
{%- endmacro %}

{% macro _mask_phone_numbers(text) -%}
    regexp_replace(
        regexp_replace(
            {{ text }},
            '(^|[^0-9+])(\+|00)32[ ./-]*(\(0\)[ ./-]*)?[1-9]([ ./-]*[0-9]){7,8}([^0-9]|$)', '\1[telefoon]\5', 'g'
        ),
        '(^|[^0-9])0[1-9]([ ./-]*[0-9]){7,8}([^0-9]|$)', '\1[telefoon]\3', 'g'
    )
{%- endmacro %}

{#- Twice: a match takes the character after the name with it, so a name right after it ("Jan Jan")
    needs a second pass. The pattern differs per respondent, so DuckDB compiles it for every cell (about
    2 ms with `\pL`: hours for a million respondents' open answers): only cells that contain the name in
    any case (`lower` folds the letters of Latin-script names as the pattern's `(?i)` does) reach it. -#}
{% macro _mask_name(text, name) -%}
    {%- set pattern = name_word_pattern(name) -%}
    case
        when length(trim({{ name }})) >= 2 and strpos(lower({{ text }}), lower(trim({{ name }}))) > 0
            then regexp_replace(
                regexp_replace({{ text }}, {{ pattern }}, '\1[naam]\2', 'g'), {{ pattern }}, '\1[naam]\2', 'g'
            )
        else {{ text }}
    end
{%- endmacro %}

{#- A regular expression matching `name` as a whole word, any case (the name is matched literally). -#}
{% macro name_word_pattern(name) -%}
    {{ return(adapter.dispatch('name_word_pattern', 'oekraine_opvang')(name)) }}
{%- endmacro %}

{% macro duckdb__name_word_pattern(name) -%}
    '(?i)(^|[^\pL])\Q' || trim({{ name }}) || '\E([^\pL]|$)'
{%- endmacro %}

{#- PostgreSQL has no \Q…\E nor \pL: the name's special characters are escaped, letters are [[:alpha:]]. -#}
{% macro postgres__name_word_pattern(name) -%}
    '(?i)(^|[^[:alpha:]])' || regexp_replace(trim({{ name }}), '([\]\[$^.*+?(){}|\\-])', '\\\1', 'g') || '([^[:alpha:]]|$)'
{%- endmacro %}
