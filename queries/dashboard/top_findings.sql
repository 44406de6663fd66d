-- The Overview's top findings: the change findings of the default period (the last complete payment
-- month against the 12 complete months before it), the three with the largest dollar effect (one per
-- change: part_of), each with
-- what the page shows beside its sentence: the slice's values (the click through to its denied lines),
-- the period rate's 95% interval, the slice's months of the baseline and the period (its sparkline:
-- one query for the three), and the other slices its change was found in (parts). When slices were tested
-- and none is a finding, one row without a sentence (the period only), so the page can say so. Every slice
-- is tested there, so the sidebar's filters do not apply.
with

tested as (select * from change_findings),

-- one finding per change: not those that are part of a larger one (most of their moved denials are its own,
-- or they describe the same claims as another finding of it)
findings as (
    select * from tested where finding and part_of is null
),

top_three as (
    select * from findings order by abs(effect_amount) desc, rank limit 3
),

nothing_found as (
    select * replace (null::varchar as sentence)
    from tested
    where rank = (select min(rank) from tested)
        and (select count(*) from findings) = 0
)

select
    sentence,
    slice,
    dimension,
    payer_name,
    category,
    reason,
    remark,
    procedure_code,
    modifier,
    site,
    period_from,
    period_to,
    baseline_from,
    baseline_to,
    baseline_months,
    claims,
    denied_claims,
    claim_denial_rate,
    rate_ci_low,
    rate_ci_high,
    baseline_claim_denial_rate,
    effect_amount,
    q_value,
    months,
    parts
from (select * from top_three union all select * from nothing_found)
order by abs(effect_amount) desc, rank
