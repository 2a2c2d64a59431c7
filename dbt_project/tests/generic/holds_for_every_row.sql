{#- Every row of the model satisfies `condition` (SQL on its columns); a row where it is false is a failure,
    one where it is NULL is not (say `coalesce(...)` or `is not null` where NULL should fail). -#}
{% test holds_for_every_row(model, condition, column_name=none) %}
    select *
    from {{ model }}
    where not ({{ condition }})
{% endtest %}
