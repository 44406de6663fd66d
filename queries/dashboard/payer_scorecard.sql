-- One row per payer: volume, HFMA's initial denial rate by claims and by dollars (initial_claims, every
-- payer order), the line rate, denied dollars (denial_class 'denial'), top category, days to pay, and what
-- it paid net of reversals (readjudications included: the new payment after a reversal).
with

-- every adjudication, readjudications too, for paid $ (net); the denials of the initial ones (filtered_denials)
-- for the top category, read apart: the denial filter then reaches the scan
adjudications as (
    select *
    from filtered_adjudications($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
),
denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
claims as (
    select * from initial_claims($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
),

-- net: a reversal (CLP02 22) takes back an earlier payment with a negative amount, and the payment on
-- reprocessing that usually follows it is a readjudication
per_payer as (
    select
        payer_name,
        sum(paid_amount) filter (where unit_kind <> 'claim_adjustment') as net_paid_amount
    from adjudications
    group by payer_name
    having count(*) filter (where not readjudication) > 0
),

-- per initial claim, as on the Overview: the line rate of the lines initial_claims counts (the lines its units
-- matched under a code or modifier filter), and days to pay per claim, not per line
claim_rates as (
    select
        payer_name,
        count(*) as claims,
        count(*) filter (where denied) as denied_claims,
        sum(lines)::bigint as units,
        sum(denied_lines)::bigint as denied_units,
        sum(denied_charges) / nullif(sum(charges), 0) as dollar_denial_rate,
        sum(denied_amount) as denied_amount,
        median(days_to_pay) as median_days_to_pay
    from claims
    group by payer_name
),

top_category as (
    select payer_name, arg_max(category, denied) as top_category
    from (
        select payer_name, category, sum(denied_amount) as denied
        from denials where denial_class = 'denial' group by all
    )
    group by payer_name
),

select
    per_payer.payer_name,
    coalesce(claim_rates.claims, 0) as claims,
    coalesce(claim_rates.units, 0) as units,
    claim_rates.denied_claims / nullif(claim_rates.claims, 0) as denial_rate,
    coalesce(claim_rates.denied_amount, 0) as denied_amount,
    claim_rates.dollar_denial_rate,
    claim_rates.denied_units / nullif(claim_rates.units, 0) as line_denial_rate,
    claim_rates.median_days_to_pay,
    per_payer.net_paid_amount,
    -- the long text last: the figures fit the first screen's width
    top_category.top_category,
    coalesce(categories.label, top_category.top_category) as top_category_label
from per_payer
left join claim_rates using (payer_name)
left join top_category using (payer_name)
left join ref_denial_categories as categories on categories.category = top_category.top_category
order by denied_amount desc, claims desc, per_payer.payer_name
