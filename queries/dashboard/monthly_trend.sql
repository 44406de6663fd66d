-- Per month of the chosen date basis: HFMA's initial denial rate by claims (denial_rate) and by
-- dollars, the line rate, and denied dollars (denial_class 'denial'), for one payer order
-- ($payer_order: 'primary', 'secondary', 'tertiary' or 'all'). complete is false for a month not over
-- on the data date (the charts mark it partial); answering is true for a month of service still being
-- answered (month_answering: the charts mark it not final; answer_days: the days it was judged by).
with

claims as (
    select * from initial_claims($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
    where $payer_order = 'all' or payer_order = $payer_order
),

monthly as (
    select
        basis_month as month,
        count(*) as claims,
        count(*) filter (where denied) as denied_claims,
        sum(charges) as charges,
        sum(denied_charges) as denied_charges,
        sum(lines)::bigint as units,
        sum(denied_lines)::bigint as denied_units,
        sum(denied_amount) as denied_amount
    from claims
    where basis_month is not null
    group by basis_month
)

select
    month,
    claims,
    denied_claims,
    denied_claims / claims as denial_rate,
    denied_charges / nullif(charges, 0) as dollar_denial_rate,
    units,
    denied_units,
    denied_units / nullif(units, 0) as line_denial_rate,
    denied_amount,
    month_complete(month) as complete,
    month_answering($date_basis, month, $payers) as answering,
    answer_days($payers) as answer_days
from monthly
order by month
