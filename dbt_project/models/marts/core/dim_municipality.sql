-- Contract §3: the 2019–2024 map with its attributes (built in intermediate.int_municipalities_2019_2024).
select
    nis_code,
    name_nl,
    province_name_nl,
    arrondissement_name_nl,
    size_class,
    belfius_cluster_code,
    belfius_type_code,
    is_centrumstad,
    elz_code,
    population,
    population_reference_date,
    nis_code_2025
from {{ ref('int_municipalities_2019_2024') }}
