-- The lines of every adjudication of a claim ($claim_id at $payer), each with its adjustments and
-- remarks, plus the claim-level adjustments as a line of their own. Units paid as every page counts them
-- (paid_units): none on a line denied in full, whatever units its answer repeats.
with

claims as (select * from claims where claim_id = $claim_id and payer_name = $payer),
lines as (select * from service_lines semi join claims using (claim_key)),
adjustments as (select * from adjustments semi join claims using (claim_key)),
remarks as (select * from remarks semi join claims using (claim_key)),
-- how each line was judged (denial_type 'full': denied in full)
judged as (select line_key, denial_type from fact_units semi join claims using (claim_key) where unit_kind = 'line'),

adjusted as (
    select claim_key, line_key,
        string_agg(group_code || '-' || reason_code || ' ' || amount, '; ' order by segment_position, triple_index) as adjustments
    from adjustments
    group by all
),

remarked as (
    select claim_key, line_key, string_agg(code, ' ' order by segment_position) as remarks
    from remarks
    group by all
),

rows_ as (
    select
        claims.payment_date,
        claims.claim_key,
        lines.line_key,
        lines.procedure_code,
        modifier_list(lines.modifiers) as modifiers,
        lines.service_date,
        lines.units_billed,
        paid_units(judged.denial_type, lines.units_paid) as units_paid,
        lines.charge_amount,
        lines.paid_amount
    from lines
    join claims using (claim_key)
    left join judged using (line_key)
    union all
    select payment_date, claim_key, null, '(claim level)', null, service_date_from, null, null, null, null
    from claims
)

select
    rows_.payment_date,
    rows_.procedure_code,
    rows_.modifiers,
    rows_.service_date,
    rows_.units_billed,
    rows_.units_paid,
    rows_.charge_amount,
    rows_.paid_amount,
    adjusted.adjustments,
    remarked.remarks
from rows_
left join adjusted on adjusted.claim_key = rows_.claim_key and adjusted.line_key is not distinct from rows_.line_key
left join remarked on remarked.claim_key = rows_.claim_key and remarked.line_key is not distinct from rows_.line_key
where rows_.line_key is not null or adjusted.adjustments is not null or remarked.remarks is not null
order by rows_.payment_date, rows_.claim_key, rows_.line_key nulls first
