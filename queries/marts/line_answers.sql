-- builds: table line_answers
-- needs: fact_units, line_matches, paid_units, readjudication_flags
-- partition: bill_line_key
-- line_answers: the first answer to each billed line (837) a payer has answered: of the remittance lines
-- matched to it (line_matches) in an initial adjudication, the first paid (payment date, then line key).
-- The Codes page's billed-against-paid units and the Prevention page's rule precision read it, instead of
-- joining every matched line to fact_units on each view. Built after the readjudication flags are set.
-- Grain: one row per bill_line_key of line_matches with a matched initial adjudicated line.
with

line_pairs as (select * from line_matches),
units as (select * from fact_units where unit_kind = 'line' and claim_kind = 'adjudicated' and not readjudication),

answered as (
    select
        line_pairs.bill_line_key,
        arg_min(paid_units(units.denial_type, units.units_paid), (units.payment_date, units.line_key)) as units_paid,
        arg_min(units.denial_type is not null, (units.payment_date, units.line_key)) as denied,
        arg_min(units.category, (units.payment_date, units.line_key)) as denied_category
    from line_pairs
    join units using (line_key)
    group by line_pairs.bill_line_key
)

select * from answered
order by bill_line_key
