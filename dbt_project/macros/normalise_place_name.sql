{#-
    Folds a typed municipality name to a comparison key (contract §2): lower case, accents and
    punctuation folded, leading `stad`, `gemeente`, `gemeentebestuur`, `stadsbestuur`, `ocmw` and
    `lokaal bestuur` removed, then all spacing dropped ("Stad Sint-Niklaas" -> "sintniklaas").
    Applied to reference names and typed answers alike, so both sides fold the same way.
-#}
{% macro normalise_place_name(value) -%}
    replace(
        regexp_replace(
            trim(regexp_replace(lower({{ strip_accents(value) }}), '[^a-z0-9]+', ' ', 'g')),
            '^((stad|gemeente|gemeentebestuur|stadsbestuur|ocmw|lokaal bestuur) )+',
            ''
        ),
        ' ',
        ''
    )
{%- endmacro %}
