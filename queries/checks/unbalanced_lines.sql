-- Service lines whose charge minus their adjustments is not what was paid (SVC02 - CAS = SVC03).
with

lines as (select * from remit_service_lines where file_id between $first_id and $last_id),
adjustments as (select * from remit_adjustments where file_id between $first_id and $last_id and line_key is not null),

line_adjustments as (
    select line_key, sum(amount) as adjusted
    from adjustments
    group by line_key
),

unbalanced as (
    select
        lines.file_id,
        lines.segment_position,
        lines.charge_amount,
        coalesce(line_adjustments.adjusted, 0) as adjusted,
        lines.paid_amount
    from lines
    left join line_adjustments using (line_key)
    where lines.charge_amount - coalesce(line_adjustments.adjusted, 0) <> lines.paid_amount
)

select
    file_id,
    segment_position,
    'warning' as severity,
    'SVC' as segment_id,
    format('service line does not balance: charge {} - adjustments {} = {}, but {} was paid',
        charge_amount::varchar, adjusted::varchar, (charge_amount - adjusted)::varchar, paid_amount::varchar) as message
from unbalanced
