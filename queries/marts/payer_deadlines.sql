-- builds: table payer_deadlines
-- needs: bill_claims, recovery_denials, ref_appeal_windows, ref_timely_filing
-- payer_deadlines: the appeal window and the timely-filing limit (days) that apply to a payer as a claim
-- names it: one row per payer id, payer name and claim filing indicator (CLP06 on a remittance, SBR09 on a
-- billed claim) seen on a followed denial or a billed claim. Per table the most specific rule wins: payer id,
-- payer name, filing indicator, then the default row. The one match of these rules: the recovery ledger's
-- deadlines and the filing deadlines of billed claims (claim_status_rows) both read it. Rebuilt whole after
-- each load (a few rows per payer).
with

denials as (select * from recovery_denials),
-- the loaded table, not the billed_claims view: the three columns are the same, without its joins
billed as (select * from bill_claims),
windows as (select * from ref_appeal_windows),
filing_limits as (select * from ref_timely_filing),

payers as (
    select payer_id, payer_name, filing_indicator from denials
    union
    select payer_id, payer_name, filing_indicator from billed
),

limits as (
    select 'appeal' as kind, scope, value, days from windows
    union all
    select 'filing' as kind, scope, value, days from filing_limits
),

matched as (
    select
        payers.payer_id,
        payers.payer_name,
        payers.filing_indicator,
        max(coalesce(by_id.days, by_name.days, by_filing.days, fallback.days)) filter (where kinds.kind = 'appeal')::integer
            as appeal_window_days,
        max(coalesce(by_id.days, by_name.days, by_filing.days, fallback.days)) filter (where kinds.kind = 'filing')::integer
            as filing_limit_days
    from payers
    cross join (values ('appeal'), ('filing')) as kinds(kind)
    left join limits as by_id on by_id.kind = kinds.kind and by_id.scope = 'payer_id' and by_id.value = payers.payer_id
    left join limits as by_name
        on by_name.kind = kinds.kind and by_name.scope = 'payer_name' and by_name.value = payers.payer_name
    left join limits as by_filing
        on by_filing.kind = kinds.kind and by_filing.scope = 'filing_indicator' and by_filing.value = payers.filing_indicator
    left join limits as fallback on fallback.kind = kinds.kind and fallback.scope = 'default'
    group by all
)

select * from matched
