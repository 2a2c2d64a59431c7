-- The Belfius typology as printed (2018 edition, pre-2019 map of 308 municipalities): the source of
-- stg_reference__belfius_typology, kept to trace how merged municipalities got their cluster.
select
    nis_code_2018,
    name_nl,
    name_printed,
    cluster_code,
    type_code,
    type_label_nl
from {{ source('reference', 'belfius_typology_2018') }}
