-- The initial claims' measures behind the Overview's tiles and trend, for the whole period and per month, from
-- one pass over the claims (the tiles and the trend each rolled the claims up in a query of their own: at 10M
-- lines under two modifiers, 2.8 s for both against 1.5 s for this one).
-- Grain: one row per payer order ('all', 'primary', 'secondary', 'tertiary') and month of the date basis, and
-- one row per payer order with month NULL: the whole period (each order present even when empty; a claim
-- without a date in its basis counts there only).
-- The headline is HFMA's initial denial rate by claims (claim_denial_rate) and by dollars (initial_claims: the
-- one claim-level definition, also behind monthly_measures); the line rate is a second figure; duplicate-claim
-- and expected (GA/GY/GZ) denials, and CLP02 4 without a denial reason, are counted apart. Denied $ and the
-- avoidable share count denial_class 'denial' only. A month's complete is false when it is not over on the data
-- date (the charts mark it partial); answering is true for a month of service still being answered
-- (month_answering: the charts mark it not final; answer_days: the days it was judged by).
with

claims as (
    select * from initial_claims($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
),

orders as (
    select * from (values (0, 'all'), (1, 'primary'), (2, 'secondary'), (3, 'tertiary')) as t(position, payer_order)
),

-- each payer order's claims per month (NULL: no date in the basis), in one pass
cells as (
    select
        payer_order,
        basis_month as month,
        count(*) as claims,
        count(*) filter (where denied) as denied_claims,
        count(*) filter (where fully_denied) as fully_denied_claims,
        sum(charges) as charges,
        sum(denied_charges) as denied_charges,
        sum(lines) as units,
        sum(denied_lines) as denied_units,
        sum(denied_amount) as denied_amount,
        sum(avoidable_amount) as avoidable_amount,
        count(*) filter (where duplicate_denied) as duplicate_denied_claims,
        sum(duplicate_denied_amount) as duplicate_denied_amount,
        sum(expected_denied_lines) as expected_denied_lines,
        sum(expected_denied_amount) as expected_denied_amount,
        count(*) filter (where status_4_without_reason) as status_4_without_reason_claims
    from claims
    group by payer_order, basis_month
),

-- every cell counts under its own order and under 'all', in its month and in the whole period (whole_period)
measures as (
    select
        case when grouping(payer_order) = 1 then 'all' else payer_order end as payer_order,
        grouping(month) = 1 as whole_period,
        month,
        sum(claims) as claims,
        sum(denied_claims) as denied_claims,
        sum(fully_denied_claims) as fully_denied_claims,
        sum(charges) as charges,
        sum(denied_charges) as denied_charges,
        sum(units) as units,
        sum(denied_units) as denied_units,
        sum(denied_amount) as denied_amount,
        sum(avoidable_amount) as avoidable_amount,
        sum(duplicate_denied_claims) as duplicate_denied_claims,
        sum(duplicate_denied_amount) as duplicate_denied_amount,
        sum(expected_denied_lines) as expected_denied_lines,
        sum(expected_denied_amount) as expected_denied_amount,
        sum(status_4_without_reason_claims) as status_4_without_reason_claims
    from cells
    group by grouping sets ((payer_order, month), (payer_order), (month), ())
),

-- the rows shown: each order's whole period, even when it has no claim, then its months with claims in order
periods as (
    select position, payer_order, true as whole_period, null::date as month from orders
    union all
    select orders.position, measures.payer_order, false, measures.month
    from measures join orders using (payer_order)
    where not measures.whole_period and measures.month is not null
),

final as (
    select
        periods.payer_order,
        periods.month,
        coalesce(measures.claims, 0)::bigint as claims,
        coalesce(measures.units, 0)::bigint as units,
        coalesce(measures.denied_units, 0)::bigint as denied_units,
        measures.denied_units / nullif(measures.units, 0) as line_denial_rate,
        coalesce(measures.denied_amount, 0) as denied_amount,
        coalesce(measures.charges, 0) as charges,
        measures.denied_charges / nullif(measures.charges, 0) as dollar_denial_rate,
        coalesce(measures.avoidable_amount, 0) as avoidable_amount,
        measures.avoidable_amount / nullif(measures.denied_amount, 0) as avoidable_share,
        coalesce(measures.denied_claims, 0)::bigint as denied_claims,
        coalesce(measures.fully_denied_claims, 0)::bigint as fully_denied_claims,
        measures.denied_claims / nullif(measures.claims, 0) as claim_denial_rate,
        coalesce(measures.denied_charges, 0) as denied_charges,
        coalesce(measures.duplicate_denied_claims, 0)::bigint as duplicate_denied_claims,
        coalesce(measures.duplicate_denied_amount, 0) as duplicate_denied_amount,
        coalesce(measures.expected_denied_lines, 0)::bigint as expected_denied_lines,
        coalesce(measures.expected_denied_amount, 0) as expected_denied_amount,
        coalesce(measures.status_4_without_reason_claims, 0)::bigint as status_4_without_reason_claims,
        month_complete(periods.month) as complete,
        month_answering($date_basis, periods.month, $payers) as answering,
        answer_days($payers) as answer_days
    from periods
    left join measures
        on measures.payer_order = periods.payer_order
        and measures.whole_period = periods.whole_period
        and measures.month is not distinct from periods.month
    order by periods.position, periods.month nulls first
)

select * from final
