select
    nis_code,
    cluster_code,
    type_code,
    type_label_nl,
    derivation
from {{ source('reference', 'belfius_typology_2019_2024') }}
