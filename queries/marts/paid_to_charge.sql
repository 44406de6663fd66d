-- builds: table paid_to_charge
-- needs: fact_units
-- regroup: payer_key, procedure_code
-- paid_to_charge: what payers paid on the lines they paid in full (no denial), and what those lines
-- charged, summed per payer and code: the sums expected_ratios divides. A unit's own facts decide whether
-- it counts, so a load that only adds files sums again the payers and codes of the claims it touches
-- (analytics/derived.py: '-- regroup:').
-- Grain: one row per payer_key (the payer id, else its name) and procedure_code.
with

units as (select * from fact_units),

paid_lines as (
    select coalesce(nullif(payer_id, ''), payer_name) as payer_key, procedure_code, paid_amount, charge_amount
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
