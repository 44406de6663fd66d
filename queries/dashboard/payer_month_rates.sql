-- HFMA's initial denial rate by claims per payer and month (every payer order): the heatmap of the
-- Payers page. complete is false for a month not over on the data date; answering is true for a month of
-- service that payer is still answering (month_answering by its own answer_days: a slow payer's August can
-- be unfinished while a fast payer's September is final).
with

claims as (
    select * from initial_claims($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
),

monthly as (
    select payer_name, basis_month as month, count(*) as claims, count(*) filter (where denied) as denied_claims
    from claims
    where basis_month is not null
    group by all
)

select
    payer_name,
    month,
    claims,
    denied_claims / claims as denial_rate,
    month_complete(month) as complete,
    month_answering($date_basis, month, [payer_name]) as answering,
    answer_days([payer_name]) as answer_days
from monthly
order by payer_name, month
