-- claim_status: one row per billed claim (837 CLM) with what the payers answered, as of the data date
-- (the latest payment loaded, or the latest claim sent when no remittance is loaded):
-- 'paid' (adjudicated with no denial: paid, or applied to the patient's share), 'partially paid'
-- (paid, but a denial took part of it), 'denied' (a denial and nothing paid), 'billed' (no answer
-- yet), 'no answer' (no answer after the number of days set in ref_settings: no_answer_days).
-- The latest adjudication decides denied / partially paid; paid_amount is net of reversals.
with

submitted as (select * from submitted_claims),
matches as (select * from claim_matches),
remitted as (select * from claims),
units as (select * from fact_units),
settings as (select * from ref_settings),

as_of as (
    select coalesce(data_date(), (select max(submitted_date) from submitted)) as day
),

no_answer_days as (
    select coalesce(max(try_cast(value as integer)), 45) as days from settings where setting = 'no_answer_days'
),

claim_denials as (
    select claim_key, sum(denied_amount) filter (where denial_type is not null) as denied_amount
    from units
    group by claim_key
),

answers as (
    select
        matches.submission_key,
        count(*) as adjudications,
        sum(remitted.paid_amount) as paid_amount,
        min(remitted.payment_date) as first_payment_date,
        max(remitted.payment_date) as last_payment_date,
        -- the latest adjudication that is not a reversal
        arg_max(remitted.claim_key, (remitted.payment_date, remitted.claim_key))
            filter (where remitted.status_code <> '22') as latest_claim_key
    from matches
    join remitted using (claim_key)
    group by matches.submission_key
),

judged as (
    select
        submitted.*,
        coalesce(answers.adjudications, 0) as adjudications,
        coalesce(answers.paid_amount, 0) as paid_amount,
        coalesce(claim_denials.denied_amount, 0) as denied_amount,
        answers.first_payment_date,
        answers.last_payment_date,
        date_diff('day', coalesce(submitted.submitted_date, submitted.service_date_to, submitted.service_date_from),
                  (select day from as_of)) as days_since_sent,
        (select days from no_answer_days) as no_answer_days
    from submitted
    left join answers using (submission_key)
    left join claim_denials on claim_denials.claim_key = answers.latest_claim_key
),

final as (
    select
        file_name,
        payer_name,
        claim_id,
        submitted_date,
        charge_amount,
        case
            when adjudications = 0 and days_since_sent > no_answer_days then 'no answer'
            when adjudications = 0 then 'billed'
            when denied_amount > 0 and paid_amount <= 0 then 'denied'
            when denied_amount > 0 then 'partially paid'
            else 'paid'
        end as status,
        paid_amount,
        denied_amount,
        adjudications,
        first_payment_date,
        last_payment_date,
        days_since_sent,
        no_answer_days,
        frequency_code,
        site_of_care,
        transaction_type,
        payer_id,
        service_date_from,
        service_date_to,
        prior_authorization,
        submission_key,
        file_id
    from judged
)

select * from final
