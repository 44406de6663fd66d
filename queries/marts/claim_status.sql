-- builds: view claim_status
-- needs: claim_status_rows, data_date, ref_settings
-- claim_status: one row per billed claim (837 CLM) with what the payers answered, as of the data date
-- (the latest payment loaded, or the latest claim sent when no remittance is loaded):
-- 'paid' (adjudicated with no denial: paid, or applied to the patient's share), 'partially paid'
-- (paid, but a denial took part of it), 'denied' (a denial and nothing paid), 'billed' (no answer
-- yet), 'no answer' (no answer after the number of days set in ref_settings: no_answer_days).
-- The latest adjudication decides denied / partially paid; paid_amount is net of reversals.
-- What the payers answered is the table claim_status_rows, rebuilt after each load (per claim when files
-- were only added); the days since a claim was sent, and so 'no answer', are counted here, as of the data
-- date when the view is read, as are the days left before the filing deadline (negative once it passed).
with

claims as (select * from claim_status_rows),
-- read apart from claims: a CTE read twice is materialized whole (at 10M lines 30 ms of every read)
sent as (select sent_date from claim_status_rows),
settings as (select * from ref_settings),

as_of as (
    select coalesce(data_date(), (select max(sent_date) from sent)) as day
),

no_answer_days as (
    select coalesce(max(try_cast(value as integer)), 45) as days from settings where setting = 'no_answer_days'
),

judged as (
    select
        claims.*,
        date_diff('day', claims.sent_date, (select day from as_of)) as days_since_sent,
        date_diff('day', (select day from as_of), claims.filing_deadline) as days_left_to_file,
        (select days from no_answer_days) as no_answer_days
    from claims
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
        sent_date,
        no_answer_days,
        filing_deadline,
        days_left_to_file,
        frequency_code,
        site_of_care,
        transaction_type,
        payer_id,
        service_date_from,
        service_date_to,
        prior_authorization,
        billed_codes,
        billed_modifiers,
        submission_key,
        file_id
    from judged
)

select * from final
