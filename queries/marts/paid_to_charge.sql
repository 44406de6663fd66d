-- builds: table paid_to_charge
-- needs: fact_units, payer_key
-- accumulate: payer_key, procedure_code
-- paid_to_charge: what payers paid on the lines they paid in full (no denial), and what those lines
-- charged, summed per payer and code: the sums expected_ratios divides. Whether a unit counts and what
-- it adds are its own facts, fixed once it is loaded (not the readjudication flag), so a load that only
-- adds files adds its units' sums (analytics/derived.py: '-- accumulate:'; regrouped, the payers and codes
-- of the touched claims summed again, it took 5 times the whole rebuild at 1M lines).
-- Grain: one row per payer_key (the payer id, else its name) and procedure_code.
with

units as (select * from fact_units),

paid_lines as (
    select payer_key(payer_id, payer_name) as payer_key, procedure_code, paid_amount, charge_amount
    from units
    where claim_kind = 'adjudicated' and unit_kind = 'line' and denial_type is null
        and paid_amount > 0 and charge_amount > 0
),

final as (
    select payer_key, procedure_code, count(*) as lines, sum(paid_amount) as paid_amount, sum(charge_amount) as charge_amount
    from paid_lines
    group by all
)

select * from final
