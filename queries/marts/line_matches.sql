-- builds: table line_matches
-- needs: claim_matches, service_lines, billed_lines
-- partition: claim_key
-- line_matches: each remittance service line (835 SVC) paired with the billed line (837 SV1/SV2) of
-- the claim it answers (claim_matches): by line control number (REF*6R) when both carry one, else by
-- procedure code, modifiers, service date and charge (a reversal's negated charge matches too).
-- Repeated identical lines pair in order. Rebuilt after each load into the table line_matches.
with

claim_pairs as (select * from claim_matches),
billed as (select * from billed_lines),
remitted as (select * from service_lines),

billed_keys as (
    select
        submission_key,
        bill_line_key,
        coalesce('6R:' || line_control_number,
            concat_ws('|', procedure_code, array_to_string(list_sort(modifiers), '+'), service_date, charge_amount))
            as match_key
    from billed
),

remitted_keys as (
    select
        claim_pairs.submission_key,
        remitted.claim_key,
        remitted.line_key,
        coalesce('6R:' || remitted.line_control_number,
            concat_ws('|', remitted.procedure_code, array_to_string(list_sort(remitted.modifiers), '+'),
                      remitted.service_date, abs(remitted.charge_amount))) as match_key
    from remitted
    join claim_pairs using (claim_key)
),

-- identical keys within a claim pair in order
billed_numbered as (
    select *, row_number() over (partition by submission_key, match_key order by bill_line_key) as occurrence
    from billed_keys
),

remitted_numbered as (
    select *, row_number() over (partition by submission_key, match_key, claim_key order by line_key) as occurrence
    from remitted_keys
)

select
    billed_numbered.bill_line_key,
    remitted_numbered.line_key,
    billed_numbered.submission_key,
    remitted_numbered.claim_key,
    case when billed_numbered.match_key like '6R:%' then 'line control number' else 'code, modifiers, date and charge' end
        as match_basis
from billed_numbered
join remitted_numbered using (submission_key, match_key, occurrence)
