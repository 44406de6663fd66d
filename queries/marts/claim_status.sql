-- builds: table claim_status (documented)
-- needs: claim_answers, data_date, ref_settings, billed_claims
-- claim_status: one row per billed claim (837 CLM) with what the payers answered, as of the data date
-- (the latest payment loaded, or the latest claim sent when no remittance is loaded):
-- 'paid' (adjudicated with no denial: paid, or applied to the patient's share), 'partially paid'
-- (paid, but a denial took part of it), 'denied' (a denial and nothing paid), 'billed' (no answer
-- yet), 'no answer' (no answer after the number of days set in ref_settings: no_answer_days).
-- The latest adjudication decides denied / partially paid; paid_amount is net of reversals.
with

submitted as (select * from billed_claims),
answers as (select * from claim_answers),
settings as (select * from ref_settings),

as_of as (
    select coalesce(data_date(), (select max(submitted_date) from submitted)) as day
),

no_answer_days as (
    select coalesce(max(try_cast(value as integer)), 45) as days from settings where setting = 'no_answer_days'
),

judged as (
    select
        submitted.*,
        coalesce(answers.adjudications, 0) as adjudications,
        coalesce(answers.paid_amount, 0) as paid_amount,
        coalesce(answers.denied_amount, 0) as denied_amount,
        answers.first_payment_date,
        answers.last_payment_date,
        date_diff('day', coalesce(submitted.submitted_date, submitted.service_date_to, submitted.service_date_from),
                  (select day from as_of)) as days_since_sent,
        (select days from no_answer_days) as no_answer_days
    from submitted
    left join answers using (submission_key)
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
