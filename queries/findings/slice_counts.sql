-- The counts behind the change findings: every slice's claims, denied claims, charges and denied
-- dollars in each payment month of $months (first days of months). analytics/findings/store.py writes them into
-- the table slice_months after each load (the months over on the data date, and after a load that only
-- added files the months whose claims it changed); queries/findings/slices.sql reads a period of it.
-- Grain: one row per slice × payment month. A slice is one value of a dimension or a pair of them:
--   payer, site ('POS 19', 'TOB 13x': fact_units.site, as the site filter takes it): attributes of the
--   whole claim;
--   category, reason (group-CARC, the primary reason), reason_remark (primary reason + one of the
--   unit's RARCs), payer × category, site × category: attributes of a denial;
--   code, modifier, payer × code, code × site, payer × modifier: attributes of a service line.
-- Counts (HFMA's initial denial rate by claims, per slice; initial_claims.sql defines the claims):
-- - claims: initial claim adjudications with a unit in the slice. For a denial attribute, every claim of
--   the slice's payer or site (all claims for category and reason alone): any claim could be denied so.
-- - denied_claims: of them, claims with a counted denial (denial_class 'denial') on a unit in the slice.
-- - charges: the charges in the slice (the claims' charges; a line attribute: its lines' charges; a
--   denial attribute: the charges of the claims counted).
-- - denied_amount: the counted denial dollars (CAS) of the units in the slice.
-- The CTEs read more than once are materialized: computed once (about 40% less time at 300k lines).
with

claims as materialized (
    select claim_key, payer_name, month, charges, denied, denied_amount
    from initial_claims('payment', NULL, NULL, []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[])
    where list_contains($months, month)
),

-- every unit of those claims (the claim-level rows of a claim with lines included: they carry
-- claim-level denials), with the one definition of a counted denial
units as materialized (
    select
        claims.claim_key,
        claims.month,
        claims.payer_name,
        fact_units.site,
        fact_units.unit_kind,
        fact_units.procedure_code,
        fact_units.modifiers,
        fact_units.charge_amount,
        fact_units.denial_class = 'denial' as counted,
        fact_units.denied_amount,
        fact_units.category,
        coalesce(fact_units.primary_group || '-', '') || fact_units.primary_reason as reason,
        fact_units.remark_codes
    from fact_units
    join claims using (claim_key)
),

-- claim attributes: the claim's payer and site (the site (CLP08) is the claim's)
claim_rows as materialized (
    select
        claims.claim_key,
        claims.month,
        claims.payer_name,
        sites.site,
        claims.charges,
        claims.denied,
        claims.denied_amount
    from claims
    -- one unit per claim adjudication is marked first_of_claim; the site (CLP08) is the claim's
    join (select claim_key, site from fact_units where first_of_claim) as sites using (claim_key)
),

by_claim as materialized (
    select
        case
            when grouping(payer_name) = 0 then 'payer'
            when grouping(site) = 0 then 'site'
            else 'all'
        end as dimension,
        payer_name,
        site,
        month,
        count(*) as claims,
        count(*) filter (where denied) as denied_claims,
        sum(charges) as charges,
        sum(denied_amount) as denied_amount
    from claim_rows
    group by grouping sets ((month), (month, payer_name), (month, site))
),

-- denial attributes: claims with a counted denial of the category / reason, per claim first
denied_units as (
    select units.*, claim_rows.site as claim_site
    from units
    join claim_rows using (claim_key)
    where counted
),

-- a claim counts once per category and reason however many of its units were denied so
per_denied_claim as (
    select
        month,
        claim_key,
        any_value(payer_name) as payer_name,
        any_value(claim_site) as site,
        category,
        reason,
        sum(denied_amount) as denied_amount
    from denied_units
    group by month, claim_key, category, reason
),

by_denial as (
    select
        case
            when grouping(reason) = 0 then 'reason'
            when grouping(payer_name) = 0 then 'payer_category'
            when grouping(site) = 0 then 'site_category'
            else 'category'
        end as dimension,
        payer_name,
        site,
        category,
        reason,
        null as remark,
        month,
        count(distinct claim_key) as denied_claims,
        sum(denied_amount) as denied_amount
    from per_denied_claim
    group by grouping sets ((month, category), (month, payer_name, category), (month, site, category),
                            (month, reason))
),

-- the primary reason with each remark code of the unit (and of its claim: MOA/MIA)
per_remark_claim as (
    select month, claim_key, reason, remark, sum(denied_amount) as denied_amount
    from (select month, claim_key, reason, unnest(remark_codes) as remark, denied_amount
          from denied_units where reason is not null)
    group by month, claim_key, reason, remark
),

by_remark as (
    select
        'reason_remark' as dimension,
        null as payer_name,
        null as site,
        null as category,
        reason,
        remark,
        month,
        count(*) as denied_claims,
        sum(denied_amount) as denied_amount
    from per_remark_claim
    group by month, reason, remark
),

-- line attributes: per claim and code, per claim and modifier
per_code as (
    select
        claim_key,
        any_value(month) as month,
        any_value(payer_name) as payer_name,
        any_value(site) as site,
        procedure_code,
        bool_or(counted) as denied,
        sum(charge_amount) as charges,
        coalesce(sum(denied_amount) filter (where counted), 0) as denied_amount
    from units
    where procedure_code is not null
    group by claim_key, procedure_code
),

by_code as (
    select
        case
            when grouping(payer_name) = 0 then 'payer_code'
            when grouping(site) = 0 then 'code_site'
            else 'code'
        end as dimension,
        payer_name,
        site,
        procedure_code,
        month,
        count(*) as claims,
        count(*) filter (where denied) as denied_claims,
        sum(charges) as charges,
        sum(denied_amount) as denied_amount
    from per_code
    group by grouping sets ((month, procedure_code), (month, payer_name, procedure_code),
                            (month, procedure_code, site))
),

-- each unit once under each modifier it carries: a modifier given twice on a line ('25:25') counts its line once
modifier_units as (
    select claim_key, month, payer_name, unnest(list_distinct(modifiers)) as modifier, counted, charge_amount,
        denied_amount
    from units
    where len(modifiers) > 0
),

per_modifier as (
    select
        claim_key,
        any_value(month) as month,
        any_value(payer_name) as payer_name,
        modifier,
        bool_or(counted) as denied,
        sum(charge_amount) as charges,
        coalesce(sum(denied_amount) filter (where counted), 0) as denied_amount
    from modifier_units
    group by claim_key, modifier
),

by_modifier as (
    select
        case when grouping(payer_name) = 0 then 'payer_modifier' else 'modifier' end as dimension,
        payer_name,
        modifier,
        month,
        count(*) as claims,
        count(*) filter (where denied) as denied_claims,
        sum(charges) as charges,
        sum(denied_amount) as denied_amount
    from per_modifier
    group by grouping sets ((month, modifier), (month, payer_name, modifier))
),

-- the claims a denial attribute is measured against: all claims, or those of its payer or site
denial_slices as (
    select
        by_denial.dimension,
        by_denial.payer_name,
        by_denial.site,
        by_denial.category,
        by_denial.reason,
        by_denial.remark,
        by_denial.month,
        parent.claims,
        by_denial.denied_claims,
        parent.charges,
        by_denial.denied_amount
    from (select * from by_denial where reason is not null or dimension <> 'reason'
          union all
          select * from by_remark) as by_denial
    join by_claim as parent
        on parent.month = by_denial.month
        and parent.dimension = case by_denial.dimension when 'payer_category' then 'payer'
                                                        when 'site_category' then 'site' else 'all' end
        and parent.payer_name is not distinct from by_denial.payer_name
        and parent.site is not distinct from by_denial.site
),

final as (
    select dimension, payer_name, site, null as category, null as reason, null as remark,
        null as procedure_code, null as modifier, month, claims, denied_claims, charges, denied_amount
    from by_claim
    where dimension <> 'all'
    union all
    select dimension, payer_name, site, category, reason, remark, null, null, month, claims,
        denied_claims, charges, denied_amount
    from denial_slices
    union all
    select dimension, payer_name, site, null, null, null, procedure_code, null, month, claims,
        denied_claims, charges, denied_amount
    from by_code
    union all
    select dimension, payer_name, null, null, null, null, null, modifier, month, claims, denied_claims,
        charges, denied_amount
    from by_modifier
)

select
    dimension,
    payer_name,
    category,
    reason,
    remark,
    procedure_code,
    modifier,
    site,
    month,
    claims,
    denied_claims,
    charges::decimal(18, 2) as charges,
    denied_amount::decimal(18, 2) as denied_amount
from final
