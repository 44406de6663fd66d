-- builds: view payments
-- needs: remit_payments, source_files
-- payments: one row per 835 transaction set (ST..SE), i.e. one payment or notice from a payer.
with

payments as (select * from remit_payments),
files as (select * from source_files),

renamed as (
    select
        files.file_name,
        payments.payer_name,
        coalesce(payments.payer_id, payments.payer_ref_id) as payer_id,
        payments.payee_name,
        case when payments.payee_id_qualifier = 'XX' then payments.payee_id end as payee_npi,
        payments.payment_amount,
        payments.payment_method,
        -- BPR16; a few senders leave it empty and only date the file (DTM*405)
        coalesce(payments.payment_date, payments.production_date) as payment_date,
        payments.trace_number,
        payments.credit_debit,
        payments.handling_code,
        payments.production_date,
        payments.payee_id_qualifier,
        payments.payee_id,
        payments.st_control,
        payments.gs_version as version,
        payments.payment_key,
        payments.file_id
    from payments
    join files using (file_id)
)

select * from renamed
