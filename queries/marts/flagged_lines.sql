-- builds: table flagged_lines
-- needs: billed_claims, billed_lines, ref_ndc_crosswalk, ref_prevention_rules, site_key
-- partition: submission_key
-- flagged_lines: billed lines (837) that a denial-prevention rule (ref_prevention_rules) says a payer
-- is likely to deny, found before any remittance arrives; one row per rule and line. Rebuilt after
-- each load and when the rules change into the table flagged_lines; the view prevention_flags shows it.
-- The checks:
-- - waste_modifier: a single-dose drug billed with neither JW nor JZ on any of the claim's lines of
--   that code, or with both on one line;
-- - max_units: more units billed than the rule's maximum for the code;
-- - site_not_allowed: the code billed at a site of care (line place of service, else the claim's
--   CLM05-1) the payer does not allow;
-- - prior_authorization: no prior authorisation number (REF*G1 on the line or the claim) where the
--   payer requires one;
-- - unlisted_code: an unlisted code billed with an NDC that has its own HCPCS code (ref_ndc_crosswalk).
-- A rule applies to its payer (name or id) and claim filing indicator (SBR09, e.g. MB for Medicare
-- Part B), blank meaning any; its code (a trailing * is a prefix); and service dates between
-- effective_from and effective_to.
with

rules as (select * from ref_prevention_rules),
crosswalk as (select replace(ndc, '-', '') as ndc, hcpcs from ref_ndc_crosswalk),
claims as (select * from billed_claims),
lines as (select * from billed_lines),

billed as (
    select
        lines.*,
        claims.payer_id,
        claims.filing_indicator,
        claims.site_of_care,
        claims.submitted_date,
        coalesce(lines.place_of_service, claims.site_of_care) as site,
        site_key(claims.transaction_type, coalesce(lines.place_of_service, claims.site_of_care)) as site_key,
        coalesce(lines.prior_authorization, claims.prior_authorization) as authorization_number
    from lines
    join claims using (submission_key)
),

-- the rules for each line's code: one code (an equi-join, fast on many lines), a prefix, or any code;
-- each pair carries the line's columns (not joined to the lines again afterwards)
rule_columns as (
    select
        rule_id, "check", category, max_units, site as rule_site, description,
        code, payer as rule_payer, filing_indicator as rule_filing_indicator, effective_from, effective_to
    from rules
),

rules_by_code as (
    select billed.*, rule_columns.*
    from billed
    join rule_columns on rule_columns.code = billed.procedure_code
    union all
    select billed.*, rule_columns.*
    from billed
    join rule_columns on rule_columns.code like '%*' and starts_with(billed.procedure_code, rtrim(rule_columns.code, '*'))
    union all
    select billed.*, rule_columns.*
    from billed
    cross join (select * from rule_columns where code is null) as rule_columns
),

applicable as (
    select * exclude (code, rule_payer, rule_filing_indicator, effective_from, effective_to)
    from rules_by_code
    where (rule_payer is null or rule_payer = payer_name or rule_payer = payer_id)
      and (rule_filing_indicator is null or rule_filing_indicator = filing_indicator)
      and (effective_from is null or service_date >= effective_from)
      and (effective_to is null or service_date <= effective_to)
),

-- JW/JZ per claim and code, as the payer judges it (only for the codes a waste_modifier rule names)
waste as (
    select
        submission_key,
        procedure_code,
        bool_or(list_contains(modifiers, 'JW') or list_contains(modifiers, 'JZ')) as any_waste_modifier,
        bool_or(list_contains(modifiers, 'JW') and list_contains(modifiers, 'JZ')) as both_on_a_line
    from applicable
    where "check" = 'waste_modifier'
    group by all
),

flagged as (
    select
        applicable.*,
        case applicable."check"
            when 'waste_modifier' then
                case
                    when waste.both_on_a_line then 'JW and JZ on the same line'
                    when not waste.any_waste_modifier then 'neither JW nor JZ on any line of this drug'
                end
            when 'max_units' then
                case when applicable.units_billed > applicable.max_units
                    then format('{:g} units billed, more than the {:g} allowed', applicable.units_billed::double,
                                applicable.max_units::double) end
            when 'site_not_allowed' then
                case when applicable.site = applicable.rule_site then format('not allowed at {}', applicable.site_key) end
            when 'prior_authorization' then
                case when applicable.authorization_number is null then 'no prior authorisation number sent' end
            when 'unlisted_code' then
                case when crosswalk.hcpcs is not null and crosswalk.hcpcs <> applicable.procedure_code
                    then format('NDC {} has its own code {}', applicable.ndc, crosswalk.hcpcs) end
        end as finding
    from applicable
    left join waste using (submission_key, procedure_code)
    left join crosswalk on crosswalk.ndc = replace(applicable.ndc, '-', '')
),

final as (
    select
        file_name,
        rule_id,
        "check",
        category,
        finding,
        payer_name,
        claim_id,
        procedure_code,
        modifiers,
        units_billed,
        site,
        service_date,
        submitted_date,
        description as rule,
        bill_line_key,
        submission_key,
        file_id,
        site_key  -- the site as the dashboard names and filters it: 'POS 11', 'TOB 13x'
    from flagged
    where finding is not null
)

select * from final
