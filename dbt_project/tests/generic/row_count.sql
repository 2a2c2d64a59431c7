{#- Fails (one row) when the model does not hold exactly `expected` rows: a reference map that lost or gained
    municipalities. -#}
{% test row_count(model, expected) %}
    select count(*) as n_rows
    from {{ model }}
    having count(*) != {{ expected }}
{% endtest %}
