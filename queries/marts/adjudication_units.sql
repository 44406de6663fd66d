-- builds: units query adjudication_units
-- needs: adjustments, claims, payer_key, ref_caqh_scenarios, ref_carc_categories, ref_claim_statuses, ref_denial_categories, ref_rarc_refinements, remarks, remit_claims, remit_references, service_lines, site_key
-- adjudication units of the files $first_id..$last_id, with the denial judgement of each: every
-- service line; every claim adjudicated without lines; and the claim-level part of a claim with
-- lines when it carries denial-class adjustments (so no denied dollar is lost). Stored in
-- fact_units when a file loads (a file's units depend only on its own rows and the rule set), and
-- rebuilt when the rule set changes; the `denials` view and the pages read them.
-- Rules (DOMAIN.md §2): only claims the payer adjudicated (not reversals, predeterminations or claims
-- not the payer's) can be denied. A unit is fully denied when it carried a charge, nothing was paid
-- and at least one adjustment has a denial-class reason; partially denied when it was paid and a
-- denial-class adjustment took part of it. CLP02 4 (patient not recognised) denies the claim
-- outright, unless every adjustment it carries is a non-denial reason (CO-24 capitation, OA-23 prior
-- payer, OA-A7...): then it is not a denial, only marked status_4_without_reason. The denied amount
-- is the sum of the denial-class adjustments, not charge - paid. The primary reason is the
-- largest-dollar denial-class CARC (ties: the first sent); its category is refined by a matching
-- CARC + RARC pair of the rule set. A denied unit's denial_class sets it apart
-- from the denials that count in rates (DOMAIN.md §3): 'expected' (a line with modifier GA, GY or GZ:
-- the provider knew the payer would not pay), 'duplicate' (category duplicate: CARC 18, B13), else
-- 'denial'.
-- A denial also gets the CAQH CORE business scenario of its primary reason (ref_caqh_scenarios) and
-- its category's preventability (ref_denial_categories: yes, partly, no; preventable = yes).
with

claims as (select * from claims where file_id between $first_id and $last_id),
service_lines as (select * from service_lines where file_id between $first_id and $last_id),
adjustments as (select * from adjustments where file_id between $first_id and $last_id),
remarks as (select * from remarks where file_id between $first_id and $last_id),
claim_references as (
    select * from remit_references where file_id between $first_id and $last_id and line_key is null
),
-- who each claim is for (NM1*QC), from the internal table (the views leave patient data out)
claim_patients as (
    select claim_key, patient_member_id, patient_last_name, patient_first_name
    from remit_claims
    where file_id between $first_id and $last_id
),
claim_statuses as (select * from ref_claim_statuses),
carc_categories as (select * from ref_carc_categories),
refinements as (select * from ref_rarc_refinements),
caqh_scenarios as (select * from ref_caqh_scenarios),
denial_categories as (select * from ref_denial_categories),

-- REF*F8 on a claim: the payer claim number of the adjudication a corrected claim replaces
original_references as (
    select claim_key, min(value) as original_reference
    from claim_references
    where qualifier = 'F8'
    group by claim_key
),

lines_per_claim as (
    select
        claim_key,
        count(*) as lines,
        min(line_key) as first_line,
        bool_or(revenue_code is not null) as revenue_coded,
        min(service_date) as first_service_date,
        max(service_date) as last_service_date
    from service_lines
    group by claim_key
),

-- a claim adjudicated without lines shows no revenue code: its CLP08 is read as the start of a type of
-- bill when, in the same payment (one payer to one payee), the claims with lines that carry the same
-- CLP08 are institutional (revenue codes or a DRG) and none is professional, and it has a frequency
-- (CLP09) to complete the type of bill; else as a place of service
payment_sites as (
    select
        claims.payment_key,
        claims.site_of_care,
        bool_or(lines_per_claim.revenue_coded or claims.drg_code is not null) as institutional_seen,
        bool_or(not lines_per_claim.revenue_coded and claims.drg_code is null) as professional_seen
    from claims
    join lines_per_claim using (claim_key)
    where claims.site_of_care is not null
    group by all
),

-- the patient as a digest (the member id, else the name), so that the keys hold no patient data; stored
-- hashed (privacy.py), they are digests of the hashes, which link the same patient all the same
patient_keys as (
    select
        claim_key,
        left(md5(coalesce(member, name)), 16) as patient_key,
        left(md5(name), 16) as patient_name_key
    from (
        select
            claim_key,
            nullif(upper(trim(patient_member_id)), '') as member,
            nullif(upper(concat_ws(' ', trim(patient_last_name), trim(patient_first_name))), '') as name
        from claim_patients
    )
),

-- everything a unit takes from its claim, worked out once per claim
classified_claims as (
    select
        claims.*,
        coalesce(claim_statuses.kind, 'adjudicated') as claim_kind,
        original_references.original_reference,
        -- adjudications that may be of one encounter share this key: the payer, and the claim id without
        -- the '-01'-style suffix some payers add to a reprocessed claim. The patient and the service
        -- period split it into encounters (adjudication_links.sql): many practice systems send the
        -- patient's account number as CLP01, the same on every visit
        coalesce(payer_key(claims.payer_id, claims.payer_name), '') || '|'
            || regexp_replace(coalesce(claims.claim_id, ''), '[-_.][0-9]{1,2}$', '') as claim_group_key,
        patient_keys.patient_key,
        patient_keys.patient_name_key,
        -- the service period: DTM*232/233, else the claim's first and last line dates
        coalesce(claims.service_date_from, lines_per_claim.first_service_date) as period_from,
        coalesce(claims.service_date_to, lines_per_claim.last_service_date, claims.service_date_from,
            lines_per_claim.first_service_date) as period_to,
        -- CLP08 is a place of service on professional claims and the start of the type of bill on
        -- institutional ones; revenue codes (or a DRG) mark an institutional claim
        case
            when coalesce(lines_per_claim.revenue_coded, false) or claims.drg_code is not null then 'institutional'
            when lines_per_claim.lines is null and claims.frequency_code is not null
                and payment_sites.institutional_seen and not payment_sites.professional_seen then 'institutional'
            else 'professional'
        end as claim_type,
        lines_per_claim.lines,
        lines_per_claim.first_line
    from claims
    left join claim_statuses using (status_code)
    left join original_references using (claim_key)
    left join lines_per_claim using (claim_key)
    left join patient_keys using (claim_key)
    left join payment_sites using (payment_key, site_of_care)
),

-- JW (discarded amount, its own line) or JZ (nothing discarded) is expected on single-dose drugs
-- (J codes): judged per claim and code, since the administered line of a drug with waste carries
-- neither and its JW line carries the waste
waste_modifiers as (
    select
        claim_key,
        procedure_code,
        min(line_key) as first_line,
        case
            when bool_or(list_contains(modifiers, 'JW') and list_contains(modifiers, 'JZ')) then 'both on a line'
            when bool_or(list_contains(modifiers, 'JW')) then 'JW'
            when bool_or(list_contains(modifiers, 'JZ')) then 'JZ'
            else 'neither'
        end as waste_status
    from service_lines
    where procedure_code like 'J%'
    group by claim_key, procedure_code
),

-- the same line in a later adjudication of the claim: its line control number (REF*6R), else code,
-- modifiers, date and charge (a reversal negates the charge), numbered when a claim repeats a line.
-- Few lines repeat: only those sharing a claim, control number, code, date and charge go through the
-- window (a window over every line was the costliest step); every other line is number 1
repeated_lines as (
    select claim_key, line_control_number, procedure_code, service_date, abs(charge_amount) as charge
    from service_lines
    group by all
    having count(*) > 1
),

line_occurrences as (
    select
        line_key,
        row_number() over (partition by claim_key, line_control_number, procedure_code, list_sort(modifiers),
            service_date, abs(charge_amount) order by line_key) as occurrence
    from service_lines
    semi join repeated_lines
        on repeated_lines.claim_key = service_lines.claim_key
        and repeated_lines.line_control_number is not distinct from service_lines.line_control_number
        and repeated_lines.procedure_code is not distinct from service_lines.procedure_code
        and repeated_lines.service_date is not distinct from service_lines.service_date
        and repeated_lines.charge is not distinct from abs(service_lines.charge_amount)
),

line_units as (
    select
        service_lines.claim_key,
        service_lines.line_key,
        'line' as unit_kind,
        service_lines.procedure_code,
        service_lines.modifiers,
        service_lines.service_date,
        service_lines.charge_amount,
        service_lines.paid_amount,
        service_lines.units_billed,
        service_lines.units_paid,
        service_lines.line_key as unit_id,
        array_to_string(list_sort(service_lines.modifiers), '+') as modifier_combination,
        coalesce('6R:' || service_lines.line_control_number,
            concat_ws('|', service_lines.procedure_code, modifier_combination, service_lines.service_date,
                abs(service_lines.charge_amount)))
            || '#' || coalesce(line_occurrences.occurrence, 1) as match_key
    from service_lines
    left join line_occurrences using (line_key)
),

-- a unit is a service line, or the claim itself (line_key null) for claim-level adjustments;
-- unit_id: the line key, or minus the claim key for the claim itself (one equi-join key for both)
units as (
    select
        claim_key,
        null::bigint as line_key,
        case when lines is null then 'claim' else 'claim_adjustment' end as unit_kind,
        null as procedure_code,
        []::varchar[] as modifiers,
        service_date_from as service_date,
        charge_amount,
        paid_amount,
        null::decimal(18, 3) as units_billed,
        null::decimal(18, 3) as units_paid,
        -claim_key as unit_id,
        '' as modifier_combination,
        'claim' as match_key,
        null as waste_status,
        null::boolean as first_of_claim_code
    from classified_claims
    union all
    select
        line_units.*,
        waste_modifiers.waste_status,
        case when waste_modifiers.waste_status is not null then line_units.line_key = waste_modifiers.first_line end
            as first_of_claim_code
    from line_units
    left join waste_modifiers using (claim_key, procedure_code)
),

adjustment_units as (
    select *, coalesce(line_key, -claim_key) as unit_id from adjustments
),

unit_denial_adjustments as (
    select
        unit_id,
        sum(amount) as denied_amount,
        count(*) as denial_adjustments,
        arg_max(reason_code, (amount, -segment_position, -triple_index)) as primary_reason,
        arg_max(group_code, (amount, -segment_position, -triple_index)) as primary_group
    from adjustment_units
    where class = 'denial'
    group by unit_id
),

-- every CARC on the unit, in the order the payer sent them
unit_reason_firsts as (
    select unit_id, reason_code, min(segment_position * 10 + triple_index) as first_seen
    from adjustment_units
    where reason_code is not null
    group by all
),

-- (sorting (first_seen, code) pairs is cheaper than an ordered list(... order by ...))
unit_reasons as (
    select unit_id, list_transform(list_sort(list((first_seen, reason_code))), lambda pair: pair[2]) as reason_codes
    from unit_reason_firsts
    group by unit_id
),

-- remark codes of the unit; a line also inherits its claim's remarks (MOA / MIA)
remark_codes as (
    select * from remarks where qualifier is distinct from 'RX'
),

unit_remark_firsts as (
    select unit_id, code, min(sent_order) as first_seen
    from (
        select line_key as unit_id, code, sent_order from remark_codes where line_key is not null
        union all
        -- the claim's own, for the claim itself and for each of its lines
        select -claim_key as unit_id, code, sent_order from remark_codes where line_key is null
        union all
        select service_lines.line_key as unit_id, remark_codes.code, remark_codes.sent_order
        from remark_codes
        join service_lines using (claim_key)
        where remark_codes.line_key is null
    )
    group by all
),

unit_remarks as (
    select unit_id, list_transform(list_sort(list((first_seen, code))), lambda pair: pair[2]) as remark_codes
    from unit_remark_firsts
    group by unit_id
),

-- CLP02 4 claims and whether any of their adjustments (claim or line) is denial-class; a claim
-- with none (no row) keeps the outright denial
status_4_reasons as (
    select adjustments.claim_key, bool_or(adjustments.class = 'denial') as any_denial_reason
    from adjustments
    semi join claims on claims.claim_key = adjustments.claim_key and claims.status_code = '4'
    group by adjustments.claim_key
),

-- the rule set's refinement of the primary reason: the matching CARC + RARC pair whose RARC came first
-- (computed for every unit with a primary reason, used only for denied ones)
refinement_matches as (
    select
        unit_denial_adjustments.unit_id,
        arg_min(refinements.category, unit_remark_firsts.first_seen) as category,
        arg_min(refinements.subcategory, unit_remark_firsts.first_seen) as subcategory
    from unit_denial_adjustments
    join unit_remark_firsts using (unit_id)
    join refinements
        on refinements.carc = unit_denial_adjustments.primary_reason
        and refinements.rarc = unit_remark_firsts.code
    group by unit_denial_adjustments.unit_id
),

-- the CAQH CORE business scenario of the primary reason: the most specific matching rule of
-- ref_caqh_scenarios (a RARC of the unit named before any RARC, a group code named before any group;
-- among RARCs, the first sent)
scenario_matches as (
    select
        unit_denial_adjustments.unit_id,
        arg_min(caqh_scenarios.scenario, (caqh_scenarios.rarc is null, caqh_scenarios.group_code is null,
            coalesce(unit_remark_firsts.first_seen, 0), caqh_scenarios.scenario)) as caqh_scenario
    from unit_denial_adjustments
    join caqh_scenarios
        on caqh_scenarios.carc = unit_denial_adjustments.primary_reason
        and (caqh_scenarios.group_code is null or caqh_scenarios.group_code = unit_denial_adjustments.primary_group)
    left join unit_remark_firsts
        on unit_remark_firsts.unit_id = unit_denial_adjustments.unit_id
        and unit_remark_firsts.code = caqh_scenarios.rarc
    where caqh_scenarios.rarc is null or unit_remark_firsts.code is not null
    group by unit_denial_adjustments.unit_id
),

-- the units with their codes and their claim. The claim is joined last: joined first, DuckDB
-- underestimates the units (file_id ranges on joined views) and builds the hash tables of the
-- per-unit joins on the wide units instead of on the small per-unit tables
judged as (
    select
        units.*,
        classified_claims.file_id,
        classified_claims.payment_key,
        classified_claims.claim_kind,
        classified_claims.claim_type,
        classified_claims.first_line,
        classified_claims.claim_group_key,
        classified_claims.patient_key,
        classified_claims.patient_name_key,
        classified_claims.period_from,
        classified_claims.period_to,
        classified_claims.status_code,
        classified_claims.payer_name,
        classified_claims.payer_id,
        classified_claims.claim_id,
        classified_claims.payer_claim_number,
        classified_claims.original_reference,
        classified_claims.filing_indicator,
        classified_claims.paid_amount as claim_paid_amount,
        classified_claims.site_of_care,
        classified_claims.frequency_code,
        classified_claims.payment_date,
        classified_claims.received_date,
        coalesce(unit_denial_adjustments.denial_adjustments, 0) as denial_adjustments,
        unit_denial_adjustments.denied_amount,
        unit_denial_adjustments.primary_reason,
        unit_denial_adjustments.primary_group,
        coalesce(unit_reasons.reason_codes, []) as reason_codes,
        coalesce(unit_remarks.remark_codes, []) as remark_codes,
        refinement_matches.category as refined_category,
        refinement_matches.subcategory as refined_subcategory,
        scenario_matches.caqh_scenario,
        carc_categories.category as carc_category,
        carc_categories.preventable,
        carc_categories.appealable,
        -- CLP02 4 whose adjustments are all non-denial reasons (CO-24 capitation, OA-23...): not a denial
        coalesce(classified_claims.status_code = '4' and not status_4_reasons.any_denial_reason, false)
            as status_4_without_reason,
        -- CLP02 4: the payer denied the whole claim, even without a denial-class adjustment
        classified_claims.status_code = '4' and units.unit_kind <> 'claim_adjustment' and units.paid_amount = 0
            and not status_4_without_reason as status_denied
    from units
    left join unit_denial_adjustments using (unit_id)
    left join unit_reasons using (unit_id)
    left join unit_remarks using (unit_id)
    left join refinement_matches using (unit_id)
    left join scenario_matches using (unit_id)
    left join carc_categories on carc_categories.carc = unit_denial_adjustments.primary_reason
    join classified_claims using (claim_key)
    left join status_4_reasons using (claim_key)
),

typed as (
    select
        *,
        case
            when claim_kind <> 'adjudicated' then null
            when unit_kind <> 'claim_adjustment' and charge_amount > 0 and paid_amount = 0
                and (denial_adjustments > 0 or status_denied) then 'full'
            when unit_kind <> 'claim_adjustment' and paid_amount > 0 and denied_amount > 0 then 'partial'
            when unit_kind = 'claim_adjustment' and denied_amount > 0 then
                case when paid_amount = 0 then 'full' else 'partial' end
        end as denial_type
    from judged
),

-- the claim-level part of a claim with lines is a unit only when it denies something
final as (
    select
        file_id,
        claim_key,
        line_key,
        payment_key,
        unit_id,
        unit_kind,
        claim_kind,
        claim_type,
        coalesce(unit_kind = 'claim' or line_key = first_line, false) as first_of_claim,
        claim_group_key,
        match_key,
        waste_status,
        first_of_claim_code,
        status_code,
        payer_name,
        payer_id,
        claim_id,
        payer_claim_number,
        original_reference,
        filing_indicator,
        claim_paid_amount,
        procedure_code,
        modifiers,
        modifier_combination,
        site_of_care,
        frequency_code,
        service_date,
        payment_date,
        received_date,
        -- the month the pages group by date of service in: the claim's first date of service (filtered_units)
        date_trunc('month', coalesce(period_from, service_date))::date as service_month,
        date_trunc('month', payment_date)::date as payment_month,
        charge_amount,
        paid_amount,
        units_billed,
        units_paid,
        denial_type,
        case when denial_type is not null then coalesce(denied_amount, charge_amount - paid_amount) end as denied_amount,
        primary_reason,
        primary_group,
        case when denial_type is not null then coalesce(
            refined_category,
            carc_category,
            case when primary_reason is null then 'eligibility' else 'other' end
        ) end as category,
        case when denial_type is not null then refined_subcategory end as subcategory,
        case when denial_type is not null then coalesce(primary_group = 'PR', false) end as patient_liable,
        case when denial_type is not null then coalesce(preventable, false) end as preventable,
        case when denial_type is not null then coalesce(appealable, true) end as appealable,
        reason_codes,
        remark_codes,
        patient_key,
        patient_name_key,
        period_from,
        period_to,
        case when denial_type is not null then caqh_scenario end as caqh_scenario,
        status_4_without_reason
    from typed
    where unit_kind <> 'claim_adjustment' or denial_type is not null
),

-- the denial's category decides how preventable it is (yes, partly, no); preventable means yes (the
-- CARC's own flag, which agrees with its category, when a categories table has no preventability)
rated as (
    select
        final.* replace (case when final.denial_type is not null
            then coalesce(denial_categories.preventability = 'yes', final.preventable) end as preventable),
        denial_categories.preventability
    from final
    left join denial_categories using (category)
),

-- what kind of denial: only 'denial' counts in denial rates, denied dollars and the avoidable share
classed as (
    select
        *,
        case
            when denial_type is null then null
            when unit_kind = 'line' and list_has_any(modifiers, ['GA', 'GY', 'GZ']) then 'expected'
            when category = 'duplicate' then 'duplicate'
            else 'denial'
        end as denial_class,
        -- the site as the dashboard names it: 'POS 11' or 'TOB 13x' (site_key.sql)
        site_key(claim_type, site_of_care) as site,
        -- a denial for a missing or invalid modifier (CO-16 or CO-4 with N822, N823 or N519) counts under the
        -- modifier it lacked: 'JW/JZ' on a single-dose drug sent with neither, else 'other'
        case when denial_type is not null and list_has_any(reason_codes, ['16', '4'])
                and list_has_any(remark_codes, ['N822', 'N823', 'N519'])
            then case when waste_status = 'neither' then 'JW/JZ' else 'other' end
        end as missing_modifier
    from rated
)

select * from classed
