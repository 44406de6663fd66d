-- builds: macros initial_denials, claim_lines, claim_denials, claim_rollup
-- needs: denial_units, fact_units, remit_adjustments, unit_matches
-- The claim-level facts of every initial claim adjudication, rolled up from its units (initial_claims.sql
-- says what each column means). Grain: one row per claim_key of fact_units with claim_kind 'adjudicated' that
-- is not a readjudication. In three parts, so that a filter recomputes only the part it changes, from the
-- units it concerns: claim_rollup() builds the table claim_facts after each load (analytics/derived.py,
-- once the readjudication flags are set), without filters; initial_claims reads that table, with
-- claim_denials again under a category, code or modifier filter and claim_lines under a code or modifier
-- filter (the site filter reads the claim's site: every unit of a claim has its claim's).

-- initial_denials(): every denied unit of the initial claim adjudications (denial_units), with which of the
-- three classes it is: counts (denial_class 'denial'), duplicate or expected. Every denied unit has a
-- denial_class (adjudication_units.sql). claim_denials and claim_category_facts count from it.
CREATE OR REPLACE MACRO initial_denials() AS TABLE
select
    *,
    denial_class = 'denial' as counts,
    denial_class = 'duplicate' as duplicate,
    denial_class = 'expected' as expected
from denial_units
where claim_kind = 'adjudicated' and not readjudication;

-- claim_lines(payers, codes, modifiers, sites): one row per claim with a unit the filters match (every claim
-- without a filter), and how many lines those units are. Every unit of a claim carries the claim's payer, so
-- the payer filter leaves out whole claims here already, not after every payer's were counted (at 10M lines,
-- the Overview's claims under one payer and two modifiers in 0.63 s against 1.25 s).
CREATE OR REPLACE MACRO claim_lines(payers, codes, modifiers, sites) AS TABLE
with

matched as (
    select *
    from fact_units
    where claim_kind = 'adjudicated' and not readjudication
      and unit_matches(codes, modifiers, sites, procedure_code, fact_units.modifiers, missing_modifier, site)
      and (len(payers) = 0 or list_contains(payers, payer_name))
),

claims as (
    select claim_key, count(*) filter (where unit_kind <> 'claim_adjustment') as lines
    from matched
    group by claim_key
)

select * from claims;

-- claim_denials(payers, categories, codes, modifiers, sites): one row per claim (of the chosen payers, as
-- claim_lines) with a denial of the chosen categories, the duplicate-claim and expected ones included, so that
-- a category filter narrows them as it narrows the line-level pages (filtered_adjudications). denied: one of
-- them counts (denial_class 'denial') on a unit the code, modifier and site filters match, as the change
-- findings judge a slice of lines (queries/findings/slice_counts.sql): under modifier 25 a claim whose 25 line
-- was paid and whose other line was denied is not a denied claim. duplicate_denied likewise, and the figures
-- count those units' denials. claim_fully_denied (a claim-level denial of the whole claim) is read over every
-- denial of the chosen categories: such a row carries no line to match. Without a category filter it reads
-- only the denials of the units that match (at 10M lines 67K of 848K under modifier 25), and initial_claims
-- takes claim_fully_denied from claim_facts. Reads only the denials.
CREATE OR REPLACE MACRO claim_denials(payers, categories, codes, modifiers, sites) AS TABLE
with

denials as (
    select
        *,
        unit_matches(codes, modifiers, sites, procedure_code, units.modifiers, missing_modifier, site) as matches
    from initial_denials() as units
    where (len(payers) = 0 or list_contains(payers, payer_name))
      and (len(categories) = 0 or list_contains(categories, category))
      and (len(categories) > 0
           or unit_matches(codes, modifiers, sites, procedure_code, units.modifiers, missing_modifier, site))
),

claims as (
    select
        claim_key,
        bool_or(counts and matches) as denied,
        bool_or(counts and unit_kind <> 'line' and denial_type = 'full') as claim_fully_denied,
        count(*) filter (where counts and matches and unit_kind <> 'claim_adjustment') as denied_lines,
        coalesce(sum(denied_amount) filter (where counts and matches), 0) as denied_amount,
        coalesce(sum(denied_amount) filter (where counts and matches and preventable), 0) as avoidable_amount,
        bool_or(duplicate and matches) as duplicate_denied,
        coalesce(sum(denied_amount) filter (where duplicate and matches), 0) as duplicate_denied_amount,
        count(*) filter (where expected and matches and unit_kind <> 'claim_adjustment') as expected_denied_lines,
        coalesce(sum(denied_amount) filter (where expected and matches), 0) as expected_denied_amount
    from denials
    group by claim_key
)

select * from claims;

-- claim_rollup(): every claim's facts, without filters: what no filter changes, from all its units, with its
-- lines and its denials
CREATE OR REPLACE MACRO claim_rollup() AS TABLE
with

units as (
    select * from fact_units
    where claim_kind = 'adjudicated' and not readjudication
),

lines as (select * from claim_lines([]::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[])),

denials as (
    select * from claim_denials([]::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[])
),

-- the claims that carry CARC 23 (the prior payer's adjudication), at claim level too: a claim-level CAS that
-- denies nothing is no unit of its own, so the units' reason codes miss it
prior_payer as (
    select distinct claim_key, true as prior_payer_adjusted
    from remit_adjustments
    where reason_code = '23'
),

whole as (
    select
        claim_key,
        any_value(payer_name) as payer_name,
        any_value(payer_id) as payer_id,
        any_value(claim_id) as claim_id,
        any_value(status_code) as status_code,
        -- the claim's site: every unit of a claim carries it (adjudication_units.sql)
        any_value(site) as site,
        any_value(payment_date) as payment_date,
        any_value(received_date) as received_date,
        any_value(payment_month) as month,
        min(coalesce(period_from, service_date)) as service_date,
        any_value(claim_paid_amount) as paid_amount,
        coalesce(sum(charge_amount) filter (where unit_kind <> 'claim_adjustment'), 0) as charges,
        coalesce(bool_and(denial_type is not null) filter (where unit_kind = 'line' and charge_amount > 0), false)
            as every_charged_line_denied,
        coalesce(bool_or(status_4_without_reason), false) as status_4_without_reason
    from units
    group by claim_key
),

-- every claim has a unit, so a row of lines; a claim without a denial has no row of denials, and its denial
-- figures are NULL here (initial_claims reads them as nothing denied, whichever filter counted them)
claims as (
    select
        whole.*,
        coalesce(prior_payer.prior_payer_adjusted, false) as prior_payer_adjusted,
        lines.* exclude (claim_key),
        denials.* exclude (claim_key)
    from whole
    join lines using (claim_key)
    left join denials using (claim_key)
    left join prior_payer using (claim_key)
)

select * from claims;
