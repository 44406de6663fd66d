-- The remittances loaded without a payment date (no BPR16 nor DTM*405; a CSV line without one): the Data
-- page's months (remittance_months.sql) leave them out, so it says how many there are and its counts add up
-- to what the loads reported. Grain: one row.
with

payments as (select * from payments),
claims as (select * from claims),

undated_payments as (select count(*) as payments from payments where payment_date is null),
undated_claims as (select count(*) as claims from claims where payment_date is null)

select undated_payments.payments, undated_claims.claims
from undated_payments, undated_claims
