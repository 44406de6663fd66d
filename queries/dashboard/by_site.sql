-- Denials by site of care: place of service (professional claims) or type of bill (institutional),
-- (Denials of class 'denial' only: duplicate-claim and expected GA/GY/GZ denials are counted apart.)
-- and by campus (PO/PN mark off-campus hospital outpatient departments); and the off-campus total
-- (grouping 'off_campus'): lines with PO (excepted off-campus department), PN (non-excepted) or at POS 19
-- (off-campus outpatient hospital, professional claims), apart and in total, with the expected
-- reimbursement of their denials (recovery_denials.expected_reimbursement, as in the recoveries view:
-- denied $ × the payer's paid-to-charge ratio for the code). One query, one scan, for the whole page's
-- site totals.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
names as (select * from site_names),

-- aggregate per site and campus marks first, then label the few groups
grouped as (
    select
        claim_type,
        site_of_care,
        unit_kind = 'line' as line,
        list_contains(modifiers, 'PN') as pn,
        list_contains(modifiers, 'PO') as po,
        any_value(site) as site,  -- the claim type and site of care name it: not a key of its own
        count(*) as units,
        count(*) filter (where denial_class = 'denial') as denied_units,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount
    from units
    where adjudicated_unit
    group by claim_type, site_of_care, line, pn, po
),

adjudicated as (
    select
        *,
        case
            when pn then 'off-campus department, non-excepted (PN)'
            when po then 'off-campus department, excepted (PO)'
            when claim_type = 'professional' and site_of_care = '19' then 'off-campus outpatient hospital (POS 19)'
            when claim_type = 'professional' and site_of_care = '22' then 'on-campus outpatient hospital (POS 22)'
            when claim_type = 'institutional' and site_of_care = '13' then 'hospital outpatient, campus not marked'
            else 'not a hospital outpatient site'
        end as campus
    from grouped
),

-- the followed denials (recovery_denials, a table: no recovery status needed) under the filters, as
-- filtered_recoveries narrows them, on the off-campus lines: the denials the denied $ beside it counts (an
-- initial adjudication's, class 'denial'), dated as filtered_units dates them (the claim's first date of service)
off_campus_denials as (
    select
        case when list_contains(modifiers, 'PN') then 'PN' when list_contains(modifiers, 'PO') then 'PO'
            else 'POS 19 without PO or PN' end as part,
        sum(expected_reimbursement) as expected_reimbursement
    from recovery_denials
    where unit_kind = 'line' and (list_has_any(modifiers, ['PO', 'PN']) or site = 'POS 19')
      and denial_class = 'denial' and not readjudication
      and ($date_from is null or (case when $date_basis = 'payment' then denial_date else claim_service_date end) >= $date_from)
      and ($date_to is null or (case when $date_basis = 'payment' then denial_date else claim_service_date end) <= $date_to)
      and (len($payers) = 0 or list_contains($payers, payer_name))
      and (len($categories) = 0 or list_contains($categories, category))
      and unit_matches($codes, $modifiers, $sites, procedure_code, modifiers, missing_modifier, site)
    group by all
),

off_campus as (
    select
        case when pn then 'PN' when po then 'PO' else 'POS 19 without PO or PN' end as part,
        units,
        denied_units,
        denied_amount
    from grouped
    where line and (pn or po or site = 'POS 19')
),

off_campus_total as (
    select
        coalesce(part, 'off-campus total') as part,
        sum(units) as units,
        sum(denied_units) / sum(units) as denial_rate,
        sum(denied_amount) as denied_amount,
        coalesce(sum(expected_reimbursement), 0) as expected_reimbursement
    from (
        select off_campus.part, sum(units) as units, sum(denied_units) as denied_units,
            sum(denied_amount) as denied_amount, any_value(off_campus_denials.expected_reimbursement) as expected_reimbursement
        from off_campus
        left join off_campus_denials using (part)
        group by off_campus.part
    )
    group by grouping sets ((part), ())
),

labelled as (
    select adjudicated.*, coalesce(names.site_label, adjudicated.site, '(no site)') as site_label
    from adjudicated
    left join names using (site)
),

-- value: the label people read; key: the site the filters take ('POS 19'), NULL for a campus row
select 'site' as grouping, site_label as value, site as key, sum(units) as units,
    sum(denied_units) / sum(units) as denial_rate, sum(denied_amount) as denied_amount,
    NULL::decimal(18, 2) as expected_reimbursement
from labelled
group by all
union all
select 'campus', campus, NULL, sum(units), sum(denied_units) / sum(units), sum(denied_amount), NULL
from labelled
group by all
union all
select 'off_campus', part, NULL, units, denial_rate, denied_amount, expected_reimbursement
from off_campus_total
-- the off-campus total after its parts (it has the most denied $, and ties them when only one part has lines)
order by grouping desc, value = 'off-campus total', denied_amount desc, units desc, value
