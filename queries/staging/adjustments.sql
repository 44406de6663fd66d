-- builds: view adjustments
-- needs: claims, ref_carc_categories, remit_adjustments
-- adjustments: one row per CAS triple (group, reason, amount, quantity), classified by the rule set.
with

adjustments as (select * from remit_adjustments),
claims as (select * from claims),
carc_categories as (select * from ref_carc_categories),

classified as (
    select
        claims.file_name,
        claims.claim_id,
        case when adjustments.line_key is null then 'claim' else 'line' end as level,
        adjustments.group_code,
        adjustments.reason_code,
        adjustments.amount,
        adjustments.quantity,
        -- a reason the rule set does not know is treated as a denial to investigate, never hidden
        coalesce(carc_categories.category, 'other') as category,
        coalesce(carc_categories.class, 'denial') as class,
        coalesce(carc_categories.preventable, false) as preventable,
        coalesce(carc_categories.appealable, true) as appealable,
        claims.payer_name,
        adjustments.triple_index,
        adjustments.segment_position,
        adjustments.claim_key,
        adjustments.line_key,
        adjustments.file_id
    from adjustments
    -- a row and its claim come from one file: the file id in the join lets a filter on the file ids (the
    -- units of a load read its files alone) narrow the claims too, not only the adjustments
    join claims on claims.claim_key = adjustments.claim_key and claims.file_id = adjustments.file_id
    left join carc_categories on carc_categories.carc = adjustments.reason_code
)

select * from classified
