-- denials: one row per denied service line, or per denied claim that has no lines, plus one row for
-- denial-class claim-level adjustments on a claim that has lines (so no denied dollar is lost).
-- Rules (DOMAIN.md §2): reversals (CLP02 22) and predeterminations (25) are never denials. A unit is
-- fully denied when it carried a charge, nothing was paid and at least one adjustment has a
-- denial-class reason; partially denied when it was paid and a denial-class adjustment took part of
-- it. CLP02 4 (patient not recognised) denies the claim outright. The denied amount is the sum of the
-- denial-class adjustments, not charge - paid. The primary reason is the largest-dollar denial-class
-- CARC; its category is refined by a matching CARC + RARC pair in the rule set.
with

claims as (select * from claims),
service_lines as (select * from service_lines),
adjustments as (select * from adjustments),
remarks as (select * from remarks),
claim_statuses as (select * from ref_claim_statuses),
carc_categories as (select * from ref_carc_categories),
refinements as (select * from ref_rarc_refinements),

-- claims whose adjudication can carry a denial
adjudicated_claims as (
    select claims.*
    from claims
    join claim_statuses using (status_code)
    where claim_statuses.kind = 'adjudicated'
),

-- a unit is a service line, or the claim itself for claim-level adjustments and remarks
-- (line_key is null); claims with no lines are judged by their claim-level unit alone
claim_units as (
    select
        claim_key,
        null::bigint as line_key,
        'claim' as level,
        null as procedure_code,
        []::varchar[] as modifiers,
        service_date_from as service_date,
        charge_amount,
        paid_amount,
        not exists (select 1 from service_lines where service_lines.claim_key = adjudicated_claims.claim_key)
            as judged_whole
    from adjudicated_claims
),

line_units as (
    select
        service_lines.claim_key,
        service_lines.line_key,
        'line' as level,
        service_lines.procedure_code,
        service_lines.modifiers,
        service_lines.service_date,
        service_lines.charge_amount,
        service_lines.paid_amount,
        true as judged_whole
    from service_lines
    semi join adjudicated_claims using (claim_key)
),

units as (
    select * from claim_units
    union all
    select * from line_units
),

unit_denial_adjustments as (
    select
        claim_key,
        line_key,
        sum(amount) as denied_amount,
        count(*) as denial_adjustments,
        arg_max(reason_code, (amount, -segment_position, -triple_index)) as primary_reason,
        arg_max(group_code, (amount, -segment_position, -triple_index)) as primary_group
    from adjustments
    where class = 'denial'
    group by claim_key, line_key
),

-- every CARC on the unit, in the order the payer sent them
unit_reason_firsts as (
    select claim_key, line_key, reason_code, min(segment_position * 10 + triple_index) as first_seen
    from adjustments
    where reason_code is not null
    group by all
),

unit_reasons as (
    select claim_key, line_key, list(reason_code order by first_seen) as reason_codes
    from unit_reason_firsts
    group by claim_key, line_key
),

-- remark codes of the unit; a line also inherits its claim's remarks (MOA / MIA)
unit_remark_firsts as (
    select units.claim_key, units.line_key, remarks.code, min(remarks.segment_position) as first_seen
    from units
    join remarks
        on remarks.claim_key = units.claim_key
        and (remarks.line_key = units.line_key or remarks.line_key is null)
    where remarks.qualifier is distinct from 'RX'
    group by all
),

unit_remarks as (
    select claim_key, line_key, list(code order by first_seen) as remark_codes
    from unit_remark_firsts
    group by claim_key, line_key
),

judged as (
    select
        units.*,
        adjudicated_claims.status_code,
        coalesce(unit_denial_adjustments.denial_adjustments, 0) as denial_adjustments,
        unit_denial_adjustments.denied_amount,
        unit_denial_adjustments.primary_reason,
        unit_denial_adjustments.primary_group,
        coalesce(unit_reasons.reason_codes, []) as reason_codes,
        coalesce(unit_remarks.remark_codes, []) as remark_codes,
        -- CLP02 4: the payer denied the whole claim; its lines and claim are denied even without a
        -- denial-class adjustment
        adjudicated_claims.status_code = '4' and units.judged_whole and units.paid_amount = 0 as status_denied
    from units
    join adjudicated_claims using (claim_key)
    left join unit_denial_adjustments
        on unit_denial_adjustments.claim_key = units.claim_key
        and unit_denial_adjustments.line_key is not distinct from units.line_key
    left join unit_reasons
        on unit_reasons.claim_key = units.claim_key
        and unit_reasons.line_key is not distinct from units.line_key
    left join unit_remarks
        on unit_remarks.claim_key = units.claim_key
        and unit_remarks.line_key is not distinct from units.line_key
),

typed as (
    select
        *,
        case
            when judged_whole and charge_amount > 0 and paid_amount = 0
                and (denial_adjustments > 0 or status_denied) then 'full'
            when judged_whole and paid_amount > 0 and denied_amount > 0 then 'partial'
            -- claim-level denial adjustments on a claim with lines: their own row
            when not judged_whole and denied_amount > 0 then
                case when paid_amount = 0 then 'full' else 'partial' end
        end as denial_type
    from judged
),

denied as (
    select * from typed where denial_type is not null
),

refined as (
    select
        denied.*,
        carc_categories.category as reason_category,
        carc_categories.preventable,
        carc_categories.appealable,
        (
            select first(refinements.category order by list_position(denied.remark_codes, refinements.rarc))
            from refinements
            where refinements.carc = denied.primary_reason
                and list_contains(denied.remark_codes, refinements.rarc)
        ) as refined_category,
        (
            select first(refinements.subcategory order by list_position(denied.remark_codes, refinements.rarc))
            from refinements
            where refinements.carc = denied.primary_reason
                and list_contains(denied.remark_codes, refinements.rarc)
        ) as subcategory
    from denied
    left join carc_categories on carc_categories.carc = denied.primary_reason
),

final as (
    select
        claims.file_name,
        claims.payer_name,
        claims.claim_id,
        refined.procedure_code,
        refined.modifiers,
        claims.site_of_care,
        refined.service_date,
        claims.payment_date,
        refined.denial_type,
        coalesce(refined.denied_amount, refined.charge_amount - refined.paid_amount) as denied_amount,
        refined.primary_reason,
        coalesce(
            refined.refined_category,
            refined.reason_category,
            case when refined.primary_reason is null then 'eligibility' else 'other' end
        ) as category,
        coalesce(refined.primary_group = 'PR', false) as patient_liable,
        refined.reason_codes,
        refined.remark_codes,
        refined.level,
        refined.primary_group,
        refined.subcategory,
        coalesce(refined.preventable, false) as preventable,
        coalesce(refined.appealable, true) as appealable,
        refined.charge_amount,
        refined.paid_amount,
        claims.status_code,
        claims.payer_id,
        refined.claim_key,
        refined.line_key,
        claims.file_id
    from refined
    join claims using (claim_key)
)

select * from final
