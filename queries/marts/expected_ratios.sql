-- builds: table expected_ratios
-- needs: paid_to_charge
-- expected_ratios: the paid-to-charge ratios a denial is valued at (recovery_denials' expected
-- reimbursement): what payers paid on the lines they paid in full (no denial), over what those lines
-- charged (paid_to_charge), per payer and code, per payer, and over all payers. A small table of its own,
-- rebuilt whole after each load: a load that adds paid lines changes the ratios of denials it does not
-- touch, and revalued_denials.sql values those again.
-- Grain: one row per level ('payer and code': payer_key and procedure_code; 'payer': payer_key; 'all
-- payers': one row, its ratio NULL when no line was paid) and key; a payer or a code counts once it has 5
-- such lines. payer_key: the payer id, else its name.
-- The ratio is a double, divided as doubles: what DuckDB gives for a division of sums of money, and what
-- Spark gives once told (its decimal division rounds to 6 places), so the lake's ratios are DuckDB's.
with

sums as (select * from paid_to_charge),

code_ratios as (
    select 'payer and code' as level, payer_key, procedure_code, sum(paid_amount)::double / sum(charge_amount)::double as ratio
    from sums
    group by all
    having sum(lines) >= 5
),

payer_ratios as (
    select 'payer' as level, payer_key, null as procedure_code, sum(paid_amount)::double / sum(charge_amount)::double as ratio
    from sums
    group by all
    having sum(lines) >= 5
),

overall_ratio as (
    select 'all payers' as level, null as payer_key, null as procedure_code, sum(paid_amount)::double / sum(charge_amount)::double as ratio
    from sums
),

final as (
    select * from code_ratios
    union all
    select * from payer_ratios
    union all
    select * from overall_ratio
)

select * from final
