-- Per export file: the codebook questions of its wave that no column of the file belongs to. Their answers
-- in that file read as not answered, so the question's n falls; this names the file and question.
with

files as (
    select distinct
        wave_id,
        source_file
    from {{ ref('stg_qualtrics__export_columns') }}
),

questions as (
    select * from {{ ref('stg_codebook__questions') }}
)

select
    files.wave_id,
    files.source_file,
    questions.question_id,
    questions.position as question_position
from files
inner join questions on files.wave_id = questions.wave_id
where not exists (
    select export_columns.question_tag
    from {{ ref('stg_qualtrics__export_columns') }} as export_columns
    where
        files.wave_id = export_columns.wave_id
        and files.source_file = export_columns.source_file
        and questions.question_id = export_columns.question_tag
)
