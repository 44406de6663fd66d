-- builds: table claim_status_rows
-- needs: bill_lines, billed_claims, claim_answers, payer_deadlines
-- partition: submission_key
-- claim_status_rows: one row per billed claim (837 CLM) with what the payers answered (claim_answers),
-- the day it counts as sent (sent_date: the claim file's date, never before the claim's last date of
-- service, else its service dates) and its filing deadline (the first date of service + the payer's
-- timely-filing limit, payer_deadlines: a claim the payer never answered must reach it by then, as a
-- corrected claim must), and the procedure codes and modifiers its lines bill (billed_codes,
-- billed_modifiers: sorted, each once), which the code or the modifier filter alone reads instead of every
-- billed line (filtered_claim_status); the view claim_status judges it as of the data date. Kept apart from
-- the data date, so that a load that only adds files rebuilds it for the claims it touches
-- (analytics/derived.py).
with

submitted as (select * from billed_claims),
lines as (select * from bill_lines),
answers as (select * from claim_answers),
deadlines as (select * from payer_deadlines),

line_modifiers as (
    select submission_key, unnest([modifier_1, modifier_2, modifier_3, modifier_4]) as modifier from lines
),

billed_codes as (
    select submission_key, list_sort(list_distinct(list(procedure_code))) as billed_codes
    from lines
    where procedure_code is not null
    group by submission_key
),

billed_modifiers as (
    select submission_key, list_sort(list_distinct(list(modifier))) as billed_modifiers
    from line_modifiers
    where modifier is not null
    group by submission_key
),

final as (
    select
        submitted.file_name,
        submitted.payer_name,
        submitted.claim_id,
        submitted.submitted_date,
        submitted.charge_amount,
        coalesce(answers.adjudications, 0) as adjudications,
        coalesce(answers.paid_amount, 0) as paid_amount,
        coalesce(answers.denied_amount, 0) as denied_amount,
        answers.first_payment_date,
        answers.last_payment_date,
        -- a claim is sent once its services are given: a file dated before them has a wrong date (sample
        -- files dated 1996 bill services of 2017), which would count decades without an answer
        greatest(submitted.submitted_date, submitted.service_date_to, submitted.service_date_from) as sent_date,
        coalesce(submitted.service_date_from, submitted.submitted_date) + deadlines.filing_limit_days as filing_deadline,
        submitted.frequency_code,
        submitted.site_of_care,
        submitted.transaction_type,
        submitted.payer_id,
        submitted.service_date_from,
        submitted.service_date_to,
        submitted.prior_authorization,
        coalesce(billed_codes.billed_codes, []) as billed_codes,
        coalesce(billed_modifiers.billed_modifiers, []) as billed_modifiers,
        submitted.submission_key,
        submitted.file_id
    from submitted
    left join answers using (submission_key)
    left join billed_codes using (submission_key)
    left join billed_modifiers using (submission_key)
    left join deadlines
        on deadlines.payer_id is not distinct from submitted.payer_id
        and deadlines.payer_name is not distinct from submitted.payer_name
        and deadlines.filing_indicator is not distinct from submitted.filing_indicator
)

select * from final
