-- Every file loaded, newest first (the files of one transaction share its time: the one loaded last
-- first), with what it added (remittance claims from 835s and CSV remittance lines, billed claims from
-- 837s and CSV claims) and how many diagnostics it raised.
with

files as (select * from source_files),
claims as (select file_id, count(*) as claims from remit_claims group by file_id),
billed as (select file_id, count(*) as billed_claims from bill_claims group by file_id),
diagnostics as (select file_id, count(*) as diagnostics from load_diagnostics group by file_id),

listed as (
    select
        files.file_id,
        files.file_name,
        files.loaded_at,
        files.kind as holds,
        files.transaction_sets as payments,
        coalesce(claims.claims, 0) as claims,
        coalesce(billed.billed_claims, 0) as billed_claims,
        coalesce(diagnostics.diagnostics, 0) as diagnostics,
        files.size_bytes,
        files.skipped_sets
    from files
    left join claims using (file_id)
    left join billed using (file_id)
    left join diagnostics using (file_id)
)

select * exclude (file_id) from listed
order by loaded_at desc, file_id desc
