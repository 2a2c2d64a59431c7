-- Every published figure of every loaded wave against the warehouse's value, with why it does not match.
-- Printed values are compared at their printed precision; claims in words by their bounds. Figures of a
-- wave the landing does not hold are not compared at all (there is nothing to compare them with).
with

figures as (
    select * from {{ ref('stg_reference__report_figures') }}
    where wave_id in (select waves.wave_id from {{ ref('stg_codebook__waves') }} as waves)
),

values_by_part as (
    select * from {{ ref('int_report_figure_values') }}
),

headline as (
    select * from values_by_part
    where part = 1
),

claims as (
    select
        wave_id,
        figure_id,
        bool_and(meets_claim) as meets_claims,
        string_agg(
            case
                when not meets_claim
                    then statement || ' (' || coalesce(cast({{ round_to('exact_pct', 1) }} as varchar), 'n/a') || ' %)'
            end,
            '; '
            order by part
        ) as failed_claims
    from values_by_part
    group by wave_id, figure_id
),

population_dates as (
    select
        wave_id,
        max(population_reference_date) as population_reference_date
    from {{ ref('int_wave_municipalities') }}
    group by wave_id
),

compared as (
    select
        figures.wave_id,
        figures.figure_id,
        figures.kind,
        figures.unit,
        figures.category,
        figures.note,
        headline.value as count,
        headline.base_n,
        figures.count_printed,
        figures.base_n_printed,
        figures.pct_printed,
        claims.failed_claims,
        population_dates.population_reference_date,
        case
            when headline.exact_pct is not null and headline.value = floor(headline.value)
                then {{ pct_half_up('headline.value', 'headline.base_n') }}
            else {{ round_to('headline.exact_pct', 1) }}
        end as pct,
        headline.figure_id is not null as is_defined,
        figures.count_printed is null
        or {{ round_to('headline.value', 'figures.count_printed_decimals') }} = figures.count_printed as count_matches,
        figures.base_n_printed is null or headline.base_n = figures.base_n_printed as base_matches,
        figures.pct_printed is null
        or case figures.pct_printed_decimals
            when 0 then {{ pct_half_up('headline.value', 'headline.base_n', 0) }}
            else {{ pct_half_up('headline.value', 'headline.base_n', 1) }}
        end = figures.pct_printed as pct_matches,
        coalesce(claims.meets_claims, true) as claims_hold
    from figures
    left join headline
        on
            figures.wave_id = headline.wave_id
            and figures.figure_id = headline.figure_id
    left join claims
        on
            figures.wave_id = claims.wave_id
            and figures.figure_id = claims.figure_id
    left join population_dates on figures.wave_id = population_dates.wave_id
)

select
    wave_id,
    figure_id,
    kind,
    unit,
    category,
    count,
    base_n,
    pct,
    count_printed,
    base_n_printed,
    pct_printed,
    coalesce(is_defined and count_matches and base_matches and pct_matches and claims_hold, false) as matches_report,
    nullif(
        concat_ws(
            '; ',
            case when not is_defined then 'no definition: neither the codebook nor the rules file computes it' end,
            case when is_defined and not coalesce(count_matches, false) then 'count differs' end,
            case when is_defined and not coalesce(base_matches, false) then 'base differs' end,
            case when is_defined and not coalesce(pct_matches, false) then 'percentage differs' end,
            case when is_defined and not claims_hold then 'claim does not hold: ' || failed_claims end,
            case when kind = 'inconsistency' then 'the report is inconsistent here: ' || note end,
            case
                when kind = 'population_dependent'
                    then
                        'depends on the population: the report used later figures than those of '
                        || coalesce(cast(population_reference_date as varchar), 'the warehouse')
            end
        ),
        ''
    ) as explanation
from compared
