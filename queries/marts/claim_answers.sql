-- builds: table claim_answers
-- needs: claim_matches, claims, fact_units
-- partition: submission_key
-- claim_answers: per billed claim (837), what the remittances matched to it (claim_matches) say: how
-- many adjudications, paid net of reversals, first and last payment dates, and the denied dollars of
-- the latest adjudication that is not a reversal. Rebuilt after each load into the table
-- claim_answers; the claim_status view judges it as of the data date.
with

matches as (select * from claim_matches),
remitted as (select * from claims),
units as (select * from fact_units),

claim_denials as (
    select claim_key, sum(denied_amount) filter (where denial_type is not null) as denied_amount
    from units
    semi join matches using (claim_key)
    group by claim_key
),

answers as (
    select
        matches.submission_key,
        count(*) as adjudications,
        sum(remitted.paid_amount) as paid_amount,
        min(remitted.payment_date) as first_payment_date,
        max(remitted.payment_date) as last_payment_date,
        arg_max(remitted.claim_key, (remitted.payment_date, remitted.claim_key))
            filter (where remitted.status_code <> '22') as latest_claim_key
    from matches
    join remitted using (claim_key)
    group by matches.submission_key
)

select
    answers.*,
    coalesce(claim_denials.denied_amount, 0) as denied_amount
from answers
left join claim_denials on claim_denials.claim_key = answers.latest_claim_key
