-- builds: view remarks
-- needs: claims, remit_remarks
-- remarks: one row per remark code, from LQ (service line) or MOA / MIA (claim).
with

-- rowid: the order the codes were stored in, which is the order they were sent (several share a segment); on
-- Spark, the order the lake's files hold them in (analytics/spark/sql.py)
remarks as (select *, rowid as sent_order from remit_remarks),
claims as (select * from claims),

renamed as (
    select
        claims.file_name,
        claims.claim_id,
        case when remarks.line_key is null then 'claim' else 'line' end as level,
        remarks.code,
        remarks.source,
        remarks.qualifier,
        remarks.segment_position,
        remarks.sent_order,
        remarks.claim_key,
        remarks.line_key,
        remarks.file_id
    from remarks
    -- a row and its claim come from one file: the file id in the join lets a filter on the file ids (the
    -- units of a load read its files alone) narrow the claims too, not only the remarks
    join claims on claims.claim_key = remarks.claim_key and claims.file_id = remarks.file_id
)

select * from renamed
