-- Which municipality each export row speaks for (contract §2). Rules in order: override file, exact
-- name, former (merged) name, deelgemeente, postal code, one unique closest name within edit distance 2.
-- The first rule that matches decides: exactly one municipality of the wave's map resolves the text,
-- several leave it ambiguous; anything else stays unresolved with the reason, never guessed.
-- Resolved once per distinct text, then joined back.
with

responses as (
    select
        responses.wave_id,
        responses.source_file,
        responses.source_row,
        responses.municipality_text,
        waves.municipality_map,
        {{ normalise_place_name('responses.municipality_text') }} as text_key
    from {{ ref('stg_qualtrics__responses') }} as responses
    left join {{ ref('stg_codebook__waves') }} as waves on responses.wave_id = waves.wave_id
),

texts as (
    select distinct
        municipality_map,
        text_key
    from responses
    where text_key != ''
),

candidates as (
    select * from {{ ref('int_municipality_name_candidates') }}
),

map_municipalities as (
    select distinct
        municipality_map,
        nis_code
    from candidates
    where method = 'exact_name'
),

-- An override names its municipality directly; it must exist on the wave's map.
override_matches as (
    select
        texts.municipality_map,
        texts.text_key,
        'override' as method,
        1 as method_rank,
        overrides.nis_code,
        0 as edit_distance
    from texts
    inner join {{ ref('stg_overrides__municipality_names') }} as overrides
        on texts.text_key = overrides.text_key
    inner join map_municipalities
        on
            texts.municipality_map = map_municipalities.municipality_map
            and overrides.nis_code = map_municipalities.nis_code
),

rule_matches as (
    select
        texts.municipality_map,
        texts.text_key,
        candidates.method,
        candidates.method_rank,
        candidates.nis_code,
        0 as edit_distance
    from texts
    inner join candidates
        on
            texts.municipality_map = candidates.municipality_map
            and texts.text_key = candidates.candidate_key
    where candidates.method != 'postal_code' or {{ regexp_full_match('texts.text_key', '[0-9]{4}') }}
),

-- Closest municipality name (current or former) within two edits; only the closest distance counts.
fuzzy_distances as (
    select
        texts.municipality_map,
        texts.text_key,
        candidates.nis_code,
        {{ edit_distance('texts.text_key', 'candidates.candidate_key') }} as edit_distance
    from texts
    inner join candidates
        on
            texts.municipality_map = candidates.municipality_map
            and candidates.method in ('exact_name', 'merged_name')
            and abs(length(texts.text_key) - length(candidates.candidate_key)) <= 2
),

closest_distances as (
    select
        municipality_map,
        text_key,
        nis_code,
        edit_distance,
        min(edit_distance) over (partition by municipality_map, text_key) as closest_distance
    from fuzzy_distances
    where edit_distance <= 2
),

fuzzy_matches as (
    select
        municipality_map,
        text_key,
        'closest_name' as method,
        6 as method_rank,
        nis_code,
        edit_distance
    from closest_distances
    where edit_distance = closest_distance
),

matches as (
    select * from override_matches
    union all
    select * from rule_matches
    union all
    select * from fuzzy_matches
),

rule_outcomes as (
    select
        municipality_map,
        text_key,
        method,
        method_rank,
        count(distinct nis_code) as n_municipalities,
        min(nis_code) as nis_code,
        string_agg(distinct nis_code, ', ' order by nis_code) as nis_codes
    from matches
    group by municipality_map, text_key, method, method_rank
),

-- The first rule that matches anything decides: one municipality resolves, several are an ambiguity
-- (so "Deurne", a deelgemeente of two municipalities, is not passed on to the closest-name rule).
first_outcomes as (
    select
        municipality_map,
        text_key,
        method,
        nis_code,
        n_municipalities,
        row_number() over (partition by municipality_map, text_key order by method_rank) as outcome_rank
    from rule_outcomes
),

resolved as (
    select
        municipality_map,
        text_key,
        method,
        nis_code
    from first_outcomes
    where outcome_rank = 1 and n_municipalities = 1
),

ambiguities as (
    select
        municipality_map,
        text_key,
        string_agg(
            method || ' points to ' || n_municipalities || ' municipalities (' || nis_codes || ')', '; '
            order by method_rank
        ) as ambiguity
    from rule_outcomes
    where n_municipalities > 1
    group by municipality_map, text_key
)

select
    responses.wave_id,
    responses.source_file,
    responses.source_row,
    responses.municipality_text,
    responses.text_key,
    resolved.nis_code,
    coalesce(resolved.method, 'unresolved') as method,
    case
        when resolved.nis_code is not null then null
        when responses.municipality_map is null then 'wave has no codebook, so no municipality map'
        when responses.municipality_text is null then 'no municipality given'
        when responses.text_key = '' then 'municipality text holds no name: ' || responses.municipality_text
        when ambiguities.ambiguity is not null then 'ambiguous: ' || ambiguities.ambiguity
        else 'no municipality, former municipality, deelgemeente, postal code or close name matches'
    end as unresolved_reason
from responses
left join resolved
    on
        responses.municipality_map = resolved.municipality_map
        and responses.text_key = resolved.text_key
left join ambiguities
    on
        responses.municipality_map = ambiguities.municipality_map
        and responses.text_key = ambiguities.text_key
