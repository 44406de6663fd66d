-- Claims without the amounts every CLP must carry (CLP03 charge, CLP04 paid): their balance
-- cannot be checked and they count as zero in totals.
with

claims as (select * from remit_claims where file_id between $first_id and $last_id),

incomplete as (
    select file_id, segment_position, claim_id
    from claims
    where charge_amount is null or paid_amount is null
)

select
    file_id,
    segment_position,
    'error' as severity,
    'CLP' as segment_id,
    format('claim {} has no readable charge (CLP03) or paid amount (CLP04)', coalesce(claim_id, '(no id)')) as message
from incomplete
