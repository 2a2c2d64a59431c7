{#-
    DuckDB-only SQL, written once for both targets (WAREHOUSE_TARGET=duckdb|postgres; docs/POSTGRES.md).
    Each macro dispatches to a `duckdb__` body (the SQL the models used before) and a `postgres__` body
    that gives the same result on PostgreSQL 15+. Forms both databases accept need no macro and are used
    directly: `array[...]`, `string_to_array`, `value = any(array)`, `strpos`, `timezone(zone, ts)`,
    `(array_agg(x order by y))[1]`, `string_agg(... order by ...)`, `filter (where ...)`.
-#}

{#- `try_cast(value as type)`: NULL instead of an error. `type` is integer, bigint or double. On
    PostgreSQL a pattern decides what is castable; a decimal cast to a whole number rounds half away
    from zero, as DuckDB does ('12.5' -> 13). Hex and `_` digit separators, which DuckDB also reads, are
    NULL there. -#}
{% macro cast_or_null(value, type) -%}
    {{ return(adapter.dispatch('cast_or_null', 'oekraine_opvang')(value, type)) }}
{%- endmacro %}

{% macro duckdb__cast_or_null(value, type) -%}
    try_cast({{ value }} as {{ type }})
{%- endmacro %}

{% macro postgres__cast_or_null(value, type) -%}
    {#- substring() is NULL unless the whole text is a number; a CASE would not do, because PostgreSQL
        folds a cast of a constant while planning, in branches that never run. -#}
    {%- set number = "substring(" ~ value ~ " from '^\\s*([-+]?(?:[0-9]+[.]?[0-9]*|[.][0-9]+)(?:[eE][-+]?[0-9]+)?)\\s*$')" -%}
    {%- if type in ('integer', 'bigint') -%}
        cast(round(cast({{ number }} as numeric)) as {{ type }})
    {%- elif type == 'double' -%}
        cast({{ number }} as double precision)
    {%- else -%}
        {{ exceptions.raise_compiler_error("cast_or_null: no PostgreSQL body for type " ~ type) }}
    {%- endif -%}
{%- endmacro %}

{#- The 8-byte float type (`double` is DuckDB's name; PostgreSQL says `double precision`). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'oekraine_opvang')()) }}
{%- endmacro %}

{% macro duckdb__type_double() -%} double {%- endmacro %}

{% macro postgres__type_double() -%} double precision {%- endmacro %}

{#- A 64-bit hash of the text `value`, for order-free fingerprints (a sum of hashes) compared within one
    warehouse only: the two databases hash differently. -#}
{% macro hash_text(value) -%}
    {{ return(adapter.dispatch('hash_text', 'oekraine_opvang')(value)) }}
{%- endmacro %}

{% macro duckdb__hash_text(value) -%}
    hash({{ value }})
{%- endmacro %}

{% macro postgres__hash_text(value) -%}
    hashtextextended({{ value }}, 0)
{%- endmacro %}

{#- `pattern` (a regular expression given as a Jinja string) matches the whole of `value`. -#}
{% macro regexp_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'oekraine_opvang')(value, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_full_match(value, pattern) -%}
    ({{ value }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{#- The regular expression in the column or expression `pattern` occurs in `value`, case-insensitive. -#}
{% macro regexp_contains_ci(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_contains_ci', 'oekraine_opvang')(value, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_contains_ci(value, pattern) -%}
    regexp_matches({{ value }}, {{ pattern }}, 'i')
{%- endmacro %}

{#- PostgreSQL writes RE2's word boundary `\b` as `\y` (its `\b` is a backspace): translated here, so the
    theme patterns (RE2, docs/DECISIONS.md) read the same on both. -#}
{% macro postgres__regexp_contains_ci(value, pattern) -%}
    ({{ value }} ~* replace({{ pattern }}, '\b', '\y'))
{%- endmacro %}

{#- Letters without their accents ("Zwijndrecht-Burcht" stays, "Sint-Genesius-Rode"/"Rhode-Saint-Genèse"
    folds); PostgreSQL's comes from the `unaccent` extension (cross_db_setup). -#}
{% macro strip_accents(value) -%}
    {{ return(adapter.dispatch('strip_accents', 'oekraine_opvang')(value)) }}
{%- endmacro %}

{% macro duckdb__strip_accents(value) -%}
    strip_accents({{ value }})
{%- endmacro %}

{% macro postgres__strip_accents(value) -%}
    public.unaccent({{ value }})
{%- endmacro %}

{#- Levenshtein edit distance; PostgreSQL's comes from the `fuzzystrmatch` extension (cross_db_setup). -#}
{% macro edit_distance(left, right) -%}
    {{ return(adapter.dispatch('edit_distance', 'oekraine_opvang')(left, right)) }}
{%- endmacro %}

{% macro duckdb__edit_distance(left, right) -%}
    levenshtein({{ left }}, {{ right }})
{%- endmacro %}

{% macro postgres__edit_distance(left, right) -%}
    public.levenshtein({{ left }}, {{ right }})
{%- endmacro %}

{#- A timestamp read from text with a strftime `format` (%Y %m %d %H %M %S and literal characters), NULL
    when the text does not fit. PostgreSQL: the text must have the format's shape and then be a real date
    (public.try_to_timestamp, from cross_db_setup, turns an impossible one such as 30/02 into NULL). -#}
{% macro try_strptime(value, format) -%}
    {{ return(adapter.dispatch('try_strptime', 'oekraine_opvang')(value, format)) }}
{%- endmacro %}

{% macro duckdb__try_strptime(value, format) -%}
    try_strptime({{ value }}, '{{ format }}')
{%- endmacro %}

{% macro postgres__try_strptime(value, format) -%}
    {%- set shape = {'%Y': '[0-9]{4}', '%m': '[0-9]{1,2}', '%d': '[0-9]{1,2}', '%H': '[0-9]{1,2}',
                     '%M': '[0-9]{1,2}', '%S': '[0-9]{1,2}'} -%}
    {%- set pg_format = {'%Y': 'YYYY', '%m': 'MM', '%d': 'DD', '%H': 'HH24', '%M': 'MI', '%S': 'SS'} -%}
    {%- set ns = namespace(pattern='', pg='', i=0) -%}
    {%- for _ in range(format | length) -%}
        {%- if ns.i < format | length -%}
            {%- set piece = format[ns.i:ns.i + 2] -%}
            {%- if piece in shape -%}
                {%- set ns.pattern = ns.pattern ~ shape[piece] -%}
                {%- set ns.pg = ns.pg ~ pg_format[piece] -%}
                {%- set ns.i = ns.i + 2 -%}
            {%- else -%}
                {%- set char = format[ns.i] -%}
                {%- set ns.pattern = ns.pattern ~ ('[.]' if char == '.' else char) -%}
                {%- set ns.pg = ns.pg ~ ('"' ~ char ~ '"' if char.isalpha() else char) -%}
                {%- set ns.i = ns.i + 1 -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    case when trim({{ value }}) ~ '^{{ ns.pattern }}$' then public.try_to_timestamp(trim({{ value }}), '{{ ns.pg }}') end
{%- endmacro %}

{#- The two arrays share an element (`&&` means this in both, but sqlfluff's DuckDB dialect cannot parse it). -#}
{% macro arrays_overlap(left, right) -%}
    {{ return(adapter.dispatch('arrays_overlap', 'oekraine_opvang')(left, right)) }}
{%- endmacro %}

{% macro duckdb__arrays_overlap(left, right) -%}
    list_has_any({{ left }}, {{ right }})
{%- endmacro %}

{% macro postgres__arrays_overlap(left, right) -%}
    ({{ left }} && {{ right }})
{%- endmacro %}

{#- The median (interpolated between the middle two values, as DuckDB's `median` does). -#}
{% macro median(value) -%}
    {{ return(adapter.dispatch('median', 'oekraine_opvang')(value)) }}
{%- endmacro %}

{% macro duckdb__median(value) -%}
    median({{ value }})
{%- endmacro %}

{% macro postgres__median(value) -%}
    percentile_cont(0.5) within group (order by {{ value }})
{%- endmacro %}

{#- `value` rounded to `decimals` places, as a double on both (PostgreSQL rounds only numerics to a number
    of places, so it rounds exactly and converts back). -#}
{% macro round_to(value, decimals) -%}
    {{ return(adapter.dispatch('round_to', 'oekraine_opvang')(value, decimals)) }}
{%- endmacro %}

{% macro duckdb__round_to(value, decimals) -%}
    round({{ value }}, {{ decimals }})
{%- endmacro %}

{% macro postgres__round_to(value, decimals) -%}
    cast(round(cast({{ value }} as numeric), {{ decimals }}) as double precision)
{%- endmacro %}

{#- Exact integer arithmetic wide enough for 100 000 × a count, and its floor division. -#}
{% macro type_wide_integer() -%}
    {{ return(adapter.dispatch('type_wide_integer', 'oekraine_opvang')()) }}
{%- endmacro %}

{% macro duckdb__type_wide_integer() -%} hugeint {%- endmacro %}

{% macro postgres__type_wide_integer() -%} numeric {%- endmacro %}

{% macro integer_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_divide', 'oekraine_opvang')(dividend, divisor)) }}
{%- endmacro %}

{% macro duckdb__integer_divide(dividend, divisor) -%}
    ({{ dividend }}) // ({{ divisor }})
{%- endmacro %}

{% macro postgres__integer_divide(dividend, divisor) -%}
    div({{ dividend }}, {{ divisor }})
{%- endmacro %}

{#- One row per day from `start` to `stop` (dates, both included; none when stop < start), as a select-list
    expression; cast the result to date. -#}
{% macro day_series(start, stop) -%}
    {{ return(adapter.dispatch('day_series', 'oekraine_opvang')(start, stop)) }}
{%- endmacro %}

{% macro duckdb__day_series(start, stop) -%}
    unnest(generate_series(cast({{ start }} as timestamp), cast({{ stop }} as timestamp), interval 1 day))
{%- endmacro %}

{% macro postgres__day_series(start, stop) -%}
    generate_series(cast({{ start }} as timestamp), cast({{ stop }} as timestamp), interval '1 day')
{%- endmacro %}

{#- Run before every dbt invocation (on-run-start): what the PostgreSQL bodies above need. The
    extensions are trusted (a database owner may create them); both come with Debian's postgresql. -#}
{% macro cross_db_setup() -%}
    {{ return(adapter.dispatch('cross_db_setup', 'oekraine_opvang')()) }}
{%- endmacro %}

{% macro duckdb__cross_db_setup() -%}
    select 1
{%- endmacro %}

{% macro postgres__cross_db_setup() -%}
    create extension if not exists unaccent schema public;
    create extension if not exists fuzzystrmatch schema public;
    -- any_value() is built in from PostgreSQL 16 (pg_catalog comes first there); 15 gets this one.
    create or replace function public.any_value_step(kept anyelement, value anyelement) returns anyelement
    language sql immutable as 'select coalesce(kept, value)';
    create or replace aggregate public.any_value(anyelement) (sfunc = public.any_value_step, stype = anyelement);
    create or replace function public.try_to_timestamp(value text, format text) returns timestamp
    -- In UTC a wall-clock time always exists (no daylight-saving gap), so nothing shifts on the way back.
    language plpgsql stable set timezone = 'UTC' as $body$
    begin
        return to_timestamp(value, format)::timestamp;
    exception when others then
        return null;
    end
    $body$
{%- endmacro %}

{#- An empty array of `type` elements (`[]` needs a type on PostgreSQL). -#}
{% macro empty_array(type) -%}
    {{ return(adapter.dispatch('empty_array', 'oekraine_opvang')(type)) }}
{%- endmacro %}

{% macro duckdb__empty_array(type) -%}
    cast([] as {{ type }}[])
{%- endmacro %}

{% macro postgres__empty_array(type) -%}
    cast(array[] as {{ type }}[])
{%- endmacro %}

{#- Every element of array `right` is in array `left`. -#}
{% macro array_contains_all(left, right) -%}
    {{ return(adapter.dispatch('array_contains_all', 'oekraine_opvang')(left, right)) }}
{%- endmacro %}

{% macro duckdb__array_contains_all(left, right) -%}
    list_has_all({{ left }}, {{ right }})
{%- endmacro %}

{% macro postgres__array_contains_all(left, right) -%}
    ({{ left }} @> {{ right }})
{%- endmacro %}

{#- The elements the two arrays share (each once). -#}
{% macro array_intersect(left, right) -%}
    {{ return(adapter.dispatch('array_intersect', 'oekraine_opvang')(left, right)) }}
{%- endmacro %}

{% macro duckdb__array_intersect(left, right) -%}
    list_intersect({{ left }}, {{ right }})
{%- endmacro %}

{% macro postgres__array_intersect(left, right) -%}
    array(select unnest({{ left }}) intersect select unnest({{ right }}))
{%- endmacro %}

{#- A pre-hook for models whose joins follow a chain of CTEs and full joins: PostgreSQL's row estimates
    there fall to one row, it picks nested loops and one model takes minutes instead of a second. Off
    for that model's transaction only; nothing on DuckDB. -#}
{% macro without_nested_loops() -%}
    {{ return(adapter.dispatch('without_nested_loops', 'oekraine_opvang')()) }}
{%- endmacro %}

{% macro duckdb__without_nested_loops() -%}
    select 1
{%- endmacro %}

{% macro postgres__without_nested_loops() -%}
    set local enable_nestloop = off
{%- endmacro %}
