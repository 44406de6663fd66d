-- Overview tiles: one row per payer order ('all' first, then 'primary', 'secondary', 'tertiary', each
-- present even when empty). The headline is HFMA's initial denial rate by claims and by dollars
-- (initial_claims: the one claim-level definition, also behind monthly_measures); the line rate is a
-- second figure; duplicate-claim and expected (GA/GY/GZ) denials, and CLP02 4 without a denial reason,
-- are counted apart. Denied $ and the avoidable share count denial_class 'denial' only.
with

claims as (
    select * from initial_claims($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
),

orders as (
    select * from (values (0, 'all'), (1, 'primary'), (2, 'secondary'), (3, 'tertiary')) as t(position, payer_order)
),

-- every claim counts under its own order and under 'all' (the grand total)
measures as (
    select
        case when grouping(payer_order) = 1 then 'all' else payer_order end as payer_order,
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
    group by grouping sets ((payer_order), ())
),

final as (
    select
        orders.payer_order,
        coalesce(measures.claims, 0) as claims,
        coalesce(measures.units, 0)::bigint as units,
        coalesce(measures.denied_units, 0)::bigint as denied_units,
        measures.denied_units / nullif(measures.units, 0) as denial_rate,
        coalesce(measures.denied_amount, 0) as denied_amount,
        coalesce(measures.charges, 0) as charges,
        measures.denied_charges / nullif(measures.charges, 0) as dollar_denial_rate,
        coalesce(measures.avoidable_amount, 0) as avoidable_amount,
        measures.avoidable_amount / nullif(measures.denied_amount, 0) as avoidable_share,
        coalesce(measures.denied_claims, 0) as denied_claims,
        coalesce(measures.fully_denied_claims, 0) as fully_denied_claims,
        measures.denied_claims / nullif(measures.claims, 0) as claim_denial_rate,
        coalesce(measures.denied_charges, 0) as denied_charges,
        coalesce(measures.duplicate_denied_claims, 0) as duplicate_denied_claims,
        coalesce(measures.duplicate_denied_amount, 0) as duplicate_denied_amount,
        coalesce(measures.expected_denied_lines, 0)::bigint as expected_denied_lines,
        coalesce(measures.expected_denied_amount, 0) as expected_denied_amount,
        coalesce(measures.status_4_without_reason_claims, 0) as status_4_without_reason_claims
    from orders
    left join measures using (payer_order)
    order by orders.position
)

select * from final
