-- The Payers page's figures per payer (the scorecard) and per payer and month (the heatmap), from one pass over
-- the claims under the page's filters (a query each counted them twice: at 10M lines under JW and JZ, 1.56 s for
-- both against 1.15 s for this one).
-- Grain: one row per payer with month NULL, then one row per payer and month of the date basis with claims.
-- - The scorecard's row: volume, HFMA's initial denial rate by claims and by dollars (initial_claims, every payer
--   order), the line rate of the lines initial_claims counts (those its units matched under a code or modifier
--   filter), denied dollars (denial_class 'denial'), the top category, the median days to pay (per claim), and
--   what it paid net of reversals (readjudications included: the new payment after a reversal). Its columns
--   complete, answering and answer_days are NULL.
-- - The heatmap's row: claims and their initial denial rate; complete is false for a month not over on the data
--   date; answering is true for a month of service that payer is still answering (month_answering by its own
--   answer_days: a slow payer's August can be unfinished while a fast payer's September is final).
with

-- every adjudication, readjudications too, for paid $ (net); the denials of the initial ones (filtered_denials)
-- for the top category, read apart: the denial filter then reaches the scan
adjudications as (
    select *
    from filtered_adjudications($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
),
denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
-- read twice (the sums, the median), so computed once, with the columns those need
claims as materialized (
    select payer_name, basis_month, denied, lines, denied_lines, charges, denied_charges, denied_amount, days_to_pay
    from initial_claims($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
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

-- per payer (whole_period) and per payer and month, in one pass
claim_rates as (
    select
        payer_name,
        grouping(basis_month) = 1 as whole_period,
        basis_month as month,
        count(*) as claims,
        count(*) filter (where denied) as denied_claims,
        sum(lines)::bigint as units,
        sum(denied_lines)::bigint as denied_units,
        sum(denied_charges) / nullif(sum(charges), 0) as dollar_denial_rate,
        sum(denied_amount) as denied_amount
    from claims
    group by grouping sets ((payer_name), (payer_name, basis_month))
),

-- days to pay per claim, not per line; apart from the grouping sets, which would take a median per month too
days_to_pay as (
    select payer_name, median(days_to_pay) as median_days_to_pay
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

scorecard as (
    select
        per_payer.payer_name,
        null::date as month,
        coalesce(claim_rates.claims, 0) as claims,
        coalesce(claim_rates.units, 0) as units,
        claim_rates.denied_claims / nullif(claim_rates.claims, 0) as denial_rate,
        coalesce(claim_rates.denied_amount, 0) as denied_amount,
        claim_rates.dollar_denial_rate,
        claim_rates.denied_units / nullif(claim_rates.units, 0) as line_denial_rate,
        days_to_pay.median_days_to_pay,
        per_payer.net_paid_amount,
        -- the long text last: the figures fit the first screen's width
        top_category.top_category,
        coalesce(categories.label, top_category.top_category) as top_category_label
    from per_payer
    left join claim_rates on claim_rates.payer_name = per_payer.payer_name and claim_rates.whole_period
    left join days_to_pay on days_to_pay.payer_name = per_payer.payer_name
    left join top_category on top_category.payer_name = per_payer.payer_name
    left join ref_denial_categories as categories on categories.category = top_category.top_category
),

heatmap as (
    select
        payer_name,
        month,
        claims,
        denied_claims / claims as denial_rate,
        month_complete(month) as complete,
        month_answering($date_basis, month, [payer_name]) as answering,
        answer_days([payer_name]) as answer_days
    from claim_rates
    where not whole_period and month is not null
),

final as (
    select * from scorecard
    union all by name
    select * from heatmap
)

-- the scorecard first, by denied dollars; then the heatmap by payer and month
select * from final
order by
    month is not null,
    case when month is null then denied_amount end desc,
    case when month is null then claims end desc,
    payer_name,
    month
