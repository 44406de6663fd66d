-- builds: view remarks
-- needs: claims, remit_remarks
-- remarks on Spark: as queries/staging/remarks.sql, with Spark's row ids for DuckDB's rowid. Spark has
-- no rowid; monotonically_increasing_id() grows with the order the lake's files hold the rows in, which
-- is the order the reader wrote them (a file's rows stay together, in order); sent_order is only
-- compared within one claim, so its values may differ from DuckDB's, not their order.
with

remarks as (select *, monotonically_increasing_id() as sent_order from remit_remarks),

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
