-- builds: view recovery_diagnostics
-- needs: data_date, recovery_denials, recovery_events
-- recovery_diagnostics: one row per followed denial whose later adjudications paid back more than was
-- denied, as of the data date. The recovery model caps the recovered amount at the denied amount (a
-- recovery rate above 100% cannot be defended); these are the cases to look at: a payer paying more
-- than the denied amount (an overpayment, interest in the line), or lines linked across adjudications
-- that are not the same service.
with

denials as (select * from recovery_denials),
events as (select * from recovery_events where event_date <= data_date()),

paid_back as (
    select denial_id, sum(amount) as paid_back_amount
    from events
    group by denial_id
),

final as (
    select
        denials.file_name,
        denials.payer_name,
        denials.claim_id,
        denials.procedure_code,
        denials.denial_date,
        denials.denied_amount,
        paid_back.paid_back_amount,
        paid_back.paid_back_amount - denials.denied_amount as excess_amount,
        'paid back more than was denied: the recovery counts the denied amount only' as message,
        denials.denial_id,
        denials.claim_key,
        denials.line_key,
        denials.file_id
    from denials
    join paid_back using (denial_id)
    where paid_back.paid_back_amount > denials.denied_amount
)

select * from final
