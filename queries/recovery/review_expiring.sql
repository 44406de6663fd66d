-- Open denials at the end of $month whose deadline (the appeal window, or timely filing for a denial
-- fixed by a corrected claim) falls within the next 30 days: act now or lose them. Soonest first.
-- Days left are counted from the month end (the Worklist counts from the data date).
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
    -- days_left <= 30 stated on the ledger column it is counted from: the deadline within 30 days of the month
    -- end. It reaches the ledger's scan, so only those denials are judged (at 10M lines 42 ms against 78)
    where status = 'open' and pursued and days_left <= 30
      and deadline between last_day($month::date) and last_day($month::date) + 30
),

categories as (select * from ref_denial_categories)

select
    denials.deadline,
    denials.days_left,
    denials.deadline_basis,
    denials.payer_name,
    denials.claim_id,
    denials.procedure_code,
    coalesce(categories.label, denials.category) as category,
    reason_code(denials.primary_group, denials.primary_reason) as reason,
    denials.denial_date,
    denials.denied_amount
from denials
left join categories using (category)
-- ties broken down to the denial: the 500 rows kept are the same on every run (at 10M lines the 500th row
-- ties with others on deadline and amount)
order by denials.deadline, denials.denied_amount desc, denials.payer_name, denials.claim_id, denials.procedure_code,
    denials.denial_id
limit 500
