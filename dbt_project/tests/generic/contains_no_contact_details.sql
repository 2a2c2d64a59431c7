{#- Fails for every row whose column still holds an e-mail address or a phone number (mask_contact_details). -#}
{% test contains_no_contact_details(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is distinct from {{ mask_contact_details(column_name) }}
{% endtest %}
