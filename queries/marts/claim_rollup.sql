-- builds: macros claim_rollup
-- needs: fact_units
-- claim_rollup(categories, codes, modifiers, sites): the claim-level facts of every initial claim
-- adjudication, rolled up from its units (see initial_claims below for what each column means). The
-- table claim_facts holds it without filters, built with the recovery tables after each load
-- (analytics/derived.py: after the readjudication flags are set); initial_claims reads that table
-- unless a code, modifier, site or category filter asks for the units again.
-- Grain: one row per claim_key of fact_units with claim_kind 'adjudicated' that is not a readjudication.
CREATE OR REPLACE MACRO claim_rollup(categories, codes, modifiers, sites) AS TABLE
with

units as (
    select
        *,
        (len(codes) = 0 or list_contains(codes, procedure_code))
            and (len(modifiers) = 0 or list_has_any(modifiers, fact_units.modifiers)
                 or coalesce(list_contains(modifiers, missing_modifier), false))
            and (len(sites) = 0 or list_contains(sites, site)) as matches,
        -- a denial that counts, of the chosen categories
        denial_class = 'denial' and (len(categories) = 0 or list_contains(categories, category)) as counted_denial
    from fact_units
    where claim_kind = 'adjudicated' and not readjudication
),

claims as (
    select
        claim_key,
        any_value(payer_name) as payer_name,
        any_value(payer_id) as payer_id,
        any_value(claim_id) as claim_id,
        any_value(status_code) as status_code,
        bool_or(list_contains(reason_codes, '23')) as prior_payer_adjusted,
        any_value(payment_date) as payment_date,
        any_value(received_date) as received_date,
        any_value(payment_month) as month,
        min(coalesce(period_from, service_date)) as service_date,
        any_value(claim_paid_amount) as paid_amount,
        coalesce(sum(charge_amount) filter (where unit_kind <> 'claim_adjustment'), 0) as charges,
        coalesce(bool_or(counted_denial), false) as denied,
        coalesce(bool_or(counted_denial and unit_kind <> 'line' and denial_type = 'full'), false) as claim_fully_denied,
        coalesce(bool_and(denial_type is not null) filter (where unit_kind = 'line' and charge_amount > 0), false)
            as every_charged_line_denied,
        count(*) filter (where matches and unit_kind <> 'claim_adjustment') as lines,
        count(*) filter (where matches and unit_kind <> 'claim_adjustment' and counted_denial) as denied_lines,
        coalesce(sum(denied_amount) filter (where matches and counted_denial), 0) as denied_amount,
        coalesce(sum(denied_amount) filter (where matches and counted_denial and preventable), 0) as avoidable_amount,
        coalesce(bool_or(denial_class = 'duplicate'), false) as duplicate_denied,
        coalesce(sum(denied_amount) filter (where matches and denial_class = 'duplicate'), 0) as duplicate_denied_amount,
        count(*) filter (where matches and unit_kind <> 'claim_adjustment' and denial_class = 'expected')
            as expected_denied_lines,
        coalesce(sum(denied_amount) filter (where matches and denial_class = 'expected'), 0) as expected_denied_amount,
        coalesce(bool_or(status_4_without_reason), false) as status_4_without_reason,
        bool_or(matches) as matches
    from units
    group by claim_key
)

select * from claims;

