-- Every wave the warehouse knows of (a codebook in the landing, export files, or the report's published
-- figures): what was loaded for it, and whether its published figures can be compared.
with

codebooks as (
    select
        wave_id,
        title,
        municipality_map
    from {{ ref('stg_codebook__waves') }}
),

files as (
    select
        wave_id,
        count(*) as n_files,
        sum(n_rows) as n_file_rows,
        max(loaded_at) as loaded_at,
        -- The bundled sample's files say SYNTHETIC in their names; read-outs label such waves.
        bool_or(upper(source_file) like '%SYNTHETIC%') as is_synthetic
    from {{ ref('stg_qualtrics__export_files') }}
    group by wave_id
),

published as (
    select distinct wave_id from {{ ref('stg_reference__report_figures') }}
),

waves as (
    select wave_id from codebooks
    union
    select wave_id from files
    union
    select wave_id from published
)

select
    waves.wave_id,
    codebooks.wave_id is not null as in_landing,
    codebooks.title,
    codebooks.municipality_map,
    published.wave_id is not null as has_published_figures,
    coalesce(files.n_files, 0) as n_files,
    coalesce(files.n_file_rows, 0) as n_file_rows,
    files.loaded_at,
    coalesce(files.is_synthetic, false) as is_synthetic
from waves
left join codebooks on waves.wave_id = codebooks.wave_id
left join files on waves.wave_id = files.wave_id
left join published on waves.wave_id = published.wave_id
