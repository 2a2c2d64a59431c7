{#-
    Masks contact details typed in free text: e-mail addresses become `[e-mail]`, Belgian phone numbers
    (0 or +32 / 0032, then 8 or 9 digits, spaces, dots, slashes or dashes between them) `[telefoon]`.
    Years, counts and postal codes are too short to be taken for a phone number.
-#}
{% macro mask_contact_details(value) -%}
    regexp_replace(
        regexp_replace(
            {{ value }},
            '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}',
            '[e-mail]',
            'g'
        ),
        '(\+32|\b0032|\b0)[ ./-]?[1-9]([ ./-]?[0-9]){7,8}\b',
        '[telefoon]',
        'g'
    )
{%- endmacro %}
