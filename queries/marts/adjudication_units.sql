-- adjudication units of the files $first_id..$last_id, with the denial judgement of each: every
-- service line; every claim adjudicated without lines; and the claim-level part of a claim with
-- lines when it carries denial-class adjustments (so no denied dollar is lost). Stored in
-- fact_units when a file loads (a file's units depend only on its own rows and the rule set), and
-- rebuilt when the rule set changes; the `denials` view and the pages read them.
-- Rules (DOMAIN.md §2): only claims the payer adjudicated (not reversals, predeterminations or claims
-- not the payer's) can be denied. A unit is fully denied when it carried a charge, nothing was paid
-- and at least one adjustment has a denial-class reason; partially denied when it was paid and a
-- denial-class adjustment took part of it. CLP02 4 (patient not recognised) denies the claim
-- outright. The denied amount is the sum of the denial-class adjustments, not charge - paid. The
-- primary reason is the largest-dollar denial-class CARC (ties: the first sent); its category is
-- refined by a matching CARC + RARC pair of the rule set.
with

claims as (select * from claims where file_id between $first_id and $last_id),
service_lines as (select * from service_lines where file_id between $first_id and $last_id),
adjustments as (select * from adjustments where file_id between $first_id and $last_id),
remarks as (select * from remarks where file_id between $first_id and $last_id),
claim_references as (
    select * from remit_references where file_id between $first_id and $last_id and line_key is null
),
claim_statuses as (select * from ref_claim_statuses),
carc_categories as (select * from ref_carc_categories),
refinements as (select * from ref_rarc_refinements),

-- REF*F8 on a claim: the payer claim number of the adjudication a corrected claim replaces
original_references as (
    select claim_key, min(value) as original_reference
    from claim_references
    where qualifier = 'F8'
    group by claim_key
),

classified_claims as (
    select
        claims.*,
        coalesce(claim_statuses.kind, 'adjudicated') as claim_kind,
        original_references.original_reference,
        -- adjudications of one claim share this key: the payer, and the claim id without the '-01'-style
        -- suffix some payers add to a reprocessed claim
        coalesce(nullif(claims.payer_id, ''), claims.payer_name, '') || '|'
            || regexp_replace(coalesce(claims.claim_id, ''), '[-_.][0-9]{1,2}$', '') as episode_key
    from claims
    left join claim_statuses using (status_code)
    left join original_references using (claim_key)
),

lines_per_claim as (
    select claim_key, count(*) as lines, min(line_key) as first_line, bool_or(revenue_code is not null) as revenue_coded
    from service_lines
    group by claim_key
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

-- CLP08 is a place of service on professional claims and the start of the type of bill on
-- institutional ones; revenue codes (or a DRG) mark an institutional claim
claim_types as (
    select
        classified_claims.claim_key,
        case when coalesce(lines_per_claim.revenue_coded, false) or classified_claims.drg_code is not null
            then 'institutional' else 'professional' end as claim_type,
        lines_per_claim.first_line
    from classified_claims
    left join lines_per_claim using (claim_key)
),

-- a unit is a service line, or the claim itself (line_key null) for claim-level adjustments
claim_units as (
    select
        classified_claims.claim_key,
        null::bigint as line_key,
        case when lines_per_claim.lines is null then 'claim' else 'claim_adjustment' end as unit_kind,
        null as procedure_code,
        []::varchar[] as modifiers,
        classified_claims.service_date_from as service_date,
        classified_claims.charge_amount,
        classified_claims.paid_amount,
        null::decimal(18, 3) as units_billed,
        null::decimal(18, 3) as units_paid,
        null as line_control_number
    from classified_claims
    left join lines_per_claim using (claim_key)
),

line_units as (
    select
        claim_key,
        line_key,
        'line' as unit_kind,
        procedure_code,
        modifiers,
        service_date,
        charge_amount,
        paid_amount,
        units_billed,
        units_paid,
        line_control_number
    from service_lines
),

-- unit_id: the line key, or minus the claim key for the claim itself (one equi-join key for both)
units as (
    select *, -claim_key as unit_id from claim_units
    union all
    select *, line_key as unit_id from line_units
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

unit_reasons as (
    select unit_id, list(reason_code order by first_seen) as reason_codes
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
        select units.unit_id, remark_codes.code, remark_codes.sent_order
        from remark_codes
        join units using (claim_key)
        where remark_codes.line_key is null
    )
    group by all
),

unit_remarks as (
    select unit_id, list(code order by first_seen) as remark_codes
    from unit_remark_firsts
    group by unit_id
),

judged as (
    select
        units.*,
        classified_claims.claim_kind,
        coalesce(unit_denial_adjustments.denial_adjustments, 0) as denial_adjustments,
        unit_denial_adjustments.denied_amount,
        unit_denial_adjustments.primary_reason,
        unit_denial_adjustments.primary_group,
        coalesce(unit_reasons.reason_codes, []) as reason_codes,
        coalesce(unit_remarks.remark_codes, []) as remark_codes,
        -- CLP02 4: the payer denied the whole claim, even without a denial-class adjustment
        classified_claims.status_code = '4' and units.unit_kind <> 'claim_adjustment' and units.paid_amount = 0
            as status_denied
    from units
    join classified_claims using (claim_key)
    left join unit_denial_adjustments using (unit_id)
    left join unit_reasons using (unit_id)
    left join unit_remarks using (unit_id)
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
kept as (
    select * from typed where unit_kind <> 'claim_adjustment' or denial_type is not null
),

refinement_matches as (
    select
        kept.unit_id,
        arg_min(refinements.category, list_position(kept.remark_codes, refinements.rarc)) as category,
        arg_min(refinements.subcategory, list_position(kept.remark_codes, refinements.rarc)) as subcategory
    from kept
    join refinements
        on refinements.carc = kept.primary_reason
        and list_contains(kept.remark_codes, refinements.rarc)
    where kept.denial_type is not null
    group by kept.unit_id
),

-- the same line in a later adjudication of the claim: its line control number (REF*6R), else code,
-- modifiers, date and charge (a reversal negates the charge), numbered when a claim repeats a line;
-- 'claim' for the claim itself
match_keys as (
    select
        unit_id,
        case when unit_kind = 'line' then
            coalesce('6R:' || line_control_number,
                concat_ws('|', procedure_code, array_to_string(list_sort(modifiers), '+'), service_date, abs(charge_amount)))
            || '#' || row_number() over (partition by claim_key, line_control_number, procedure_code,
                    list_sort(modifiers), service_date, abs(charge_amount) order by line_key)
        else 'claim' end as match_key
    from kept
),

final as (
    select
        classified_claims.file_id,
        kept.claim_key,
        kept.line_key,
        classified_claims.payment_key,
        kept.unit_id,
        kept.unit_kind,
        kept.claim_kind,
        claim_types.claim_type,
        coalesce(kept.unit_kind = 'claim' or kept.line_key = claim_types.first_line, false) as first_of_claim,
        classified_claims.episode_key,
        match_keys.match_key,
        waste_modifiers.waste_status,
        case when waste_modifiers.waste_status is not null then kept.line_key = waste_modifiers.first_line end
            as first_of_claim_code,
        classified_claims.status_code,
        classified_claims.payer_name,
        classified_claims.payer_id,
        classified_claims.claim_id,
        classified_claims.payer_claim_number,
        classified_claims.original_reference,
        classified_claims.filing_indicator,
        classified_claims.paid_amount as claim_paid_amount,
        kept.procedure_code,
        kept.modifiers,
        array_to_string(list_sort(kept.modifiers), '+') as modifier_combination,
        classified_claims.site_of_care,
        classified_claims.frequency_code,
        kept.service_date,
        classified_claims.payment_date,
        classified_claims.received_date,
        date_trunc('month', kept.service_date)::date as service_month,
        date_trunc('month', classified_claims.payment_date)::date as payment_month,
        kept.charge_amount,
        kept.paid_amount,
        kept.units_billed,
        kept.units_paid,
        kept.denial_type,
        case when kept.denial_type is not null
            then coalesce(kept.denied_amount, kept.charge_amount - kept.paid_amount) end as denied_amount,
        kept.primary_reason,
        kept.primary_group,
        case when kept.denial_type is not null then coalesce(
            refinement_matches.category,
            carc_categories.category,
            case when kept.primary_reason is null then 'eligibility' else 'other' end
        ) end as category,
        refinement_matches.subcategory,
        case when kept.denial_type is not null then coalesce(kept.primary_group = 'PR', false) end as patient_liable,
        case when kept.denial_type is not null then coalesce(carc_categories.preventable, false) end as preventable,
        case when kept.denial_type is not null then coalesce(carc_categories.appealable, true) end as appealable,
        kept.reason_codes,
        kept.remark_codes
    from kept
    join classified_claims using (claim_key)
    join claim_types using (claim_key)
    left join waste_modifiers
        on waste_modifiers.claim_key = kept.claim_key and waste_modifiers.procedure_code = kept.procedure_code
    join match_keys using (unit_id)
    left join refinement_matches using (unit_id)
    left join carc_categories on carc_categories.carc = kept.primary_reason
)

select * from final
