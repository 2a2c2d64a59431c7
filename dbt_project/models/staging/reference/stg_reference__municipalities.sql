select
    nis_code,
    name_nl,
    name_fr,
    arrondissement_nis,
    arrondissement_name_nl,
    province_nis,
    province_name_nl,
    elz_code,
    elz_name,
    cast(is_centrumstad as boolean) as is_centrumstad
from {{ source('reference', 'municipalities_2019_2024') }}
