-- One responding municipality's answer beside its peers: for every closed question (matrix row) and
-- choice, whether the municipality chose it, and the share choosing it among the responding
-- municipalities of its Belfius cluster, province, size class, the centrumsteden (when it is one) and all
-- of Flanders (same wave).
with

municipalities as (
    select
        responding.wave_id,
        responding.nis_code,
        wave_municipalities.name_nl,
        wave_municipalities.belfius_cluster_code,
        wave_municipalities.province_name_nl,
        wave_municipalities.size_class,
        wave_municipalities.is_centrumstad
    from {{ ref('int_responding_municipalities') }} as responding
    inner join {{ ref('int_wave_municipalities') }} as wave_municipalities
        on
            responding.wave_id = wave_municipalities.wave_id
            and responding.nis_code = wave_municipalities.nis_code
),

answered_items as (
    select distinct
        wave_id,
        nis_code,
        question_id,
        row_code
    from {{ ref('int_municipality_choice_answers') }}
),

-- Every responding municipality × choice: answered or not, chosen or not.
cells as (
    select
        municipalities.*,
        items.question_id,
        items.question_position,
        items.row_code,
        items.choice_code,
        items.choice_label,
        items.choice_position,
        answered_items.nis_code is not null as has_answered,
        case
            when answered_items.nis_code is null then null
            else chosen.nis_code is not null
        end as is_chosen
    from municipalities
    inner join {{ ref('int_estimation_items') }} as items
        on municipalities.wave_id = items.wave_id
    left join answered_items
        on
            municipalities.wave_id = answered_items.wave_id
            and municipalities.nis_code = answered_items.nis_code
            and items.question_id = answered_items.question_id
            and items.row_code is not distinct from answered_items.row_code
    left join {{ ref('int_municipality_choice_answers') }} as chosen
        on
            municipalities.wave_id = chosen.wave_id
            and municipalities.nis_code = chosen.nis_code
            and items.question_id = chosen.question_id
            and items.row_code is not distinct from chosen.row_code
            and items.choice_code = chosen.choice_code
),

peers as (
    select
        *,
        count(is_chosen) over cluster_peers as cluster_n_answered,
        count(case when is_chosen then 1 end) over cluster_peers as cluster_n_selected,
        count(is_chosen) over province_peers as province_n_answered,
        count(case when is_chosen then 1 end) over province_peers as province_n_selected,
        count(is_chosen) over size_peers as size_class_n_answered,
        count(case when is_chosen then 1 end) over size_peers as size_class_n_selected,
        count(is_chosen) over centrumstad_peers as centrumsteden_n_answered,
        count(case when is_chosen then 1 end) over centrumstad_peers as centrumsteden_n_selected,
        count(is_chosen) over flanders as flanders_n_answered,
        count(case when is_chosen then 1 end) over flanders as flanders_n_selected
    from cells
    window
        flanders as (partition by wave_id, question_id, row_code, choice_code),
        cluster_peers as (partition by wave_id, question_id, row_code, choice_code, belfius_cluster_code),
        province_peers as (partition by wave_id, question_id, row_code, choice_code, province_name_nl),
        size_peers as (partition by wave_id, question_id, row_code, choice_code, size_class),
        centrumstad_peers as (partition by wave_id, question_id, row_code, choice_code, is_centrumstad)
)

select
    wave_id,
    nis_code,
    name_nl,
    question_id,
    row_code,
    choice_code,
    choice_label,
    has_answered,
    is_chosen,
    belfius_cluster_code,
    case when belfius_cluster_code is not null then cluster_n_answered end as cluster_n_answered,
    case
        when belfius_cluster_code is not null
            then {{ pct_half_up('cluster_n_selected', 'cluster_n_answered') }}
    end as cluster_pct,
    province_name_nl,
    province_n_answered,
    {{ pct_half_up('province_n_selected', 'province_n_answered') }} as province_pct,
    size_class,
    size_class_n_answered,
    {{ pct_half_up('size_class_n_selected', 'size_class_n_answered') }} as size_class_pct,
    is_centrumstad,
    case when is_centrumstad then centrumsteden_n_answered end as centrumsteden_n_answered,
    case
        when is_centrumstad
            then {{ pct_half_up('centrumsteden_n_selected', 'centrumsteden_n_answered') }}
    end as centrumsteden_pct,
    flanders_n_answered,
    {{ pct_half_up('flanders_n_selected', 'flanders_n_answered') }} as flanders_pct
from peers
order by wave_id, nis_code, question_position, row_code, choice_position
