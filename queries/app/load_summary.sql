-- What the database holds: files, payments, claims, service lines, denials and denied dollars.
with

files as (select * from source_files),
payments as (select * from payments),
claims as (select * from claims),
service_lines as (select * from service_lines),
denials as (select * from denials),
diagnostics as (select * from load_diagnostics),

summary as (
    select
        (select count(*) from files) as files,
        (select count(*) from payments) as payments,
        (select count(*) from claims) as claims,
        (select count(*) from service_lines) as service_lines,
        (select count(*) from denials) as denials,
        (select coalesce(sum(denied_amount), 0) from denials) as denied_amount,
        (select count(*) from diagnostics) as diagnostics,
        (select min(payment_date) from payments) as first_payment,
        (select max(payment_date) from payments) as last_payment
)

select * from summary
