-- Per month of the chosen date basis: JW/JZ on single-dose drugs (drug claims, per claim and J code,
-- with JW or JZ ÷ all of them) and the missing-modifier denials (CO-16/CO-4 with N822, N823 or N519:
-- fact_units.missing_modifier), those for a missing JW/JZ apart. complete is false for a month not
-- over on the data date.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

monthly as (
    select
        basis_month as month,
        count(*) filter (where first_of_claim_code and waste_status is not null) as drug_claims,
        count(*) filter (where first_of_claim_code and waste_status in ('JW', 'JZ')) as compliant_drug_claims,
        count(*) filter (where missing_modifier is not null and denial_class = 'denial') as missing_modifier_denials,
        count(*) filter (where missing_modifier = 'JW/JZ' and denial_class = 'denial') as missing_jw_jz_denials,
        coalesce(sum(denied_amount) filter (where missing_modifier is not null and denial_class = 'denial'), 0)
            as missing_modifier_denied_amount
    from units
    where basis_month is not null and claim_kind = 'adjudicated'
    group by basis_month
)

select
    month,
    drug_claims,
    compliant_drug_claims,
    compliant_drug_claims / nullif(drug_claims, 0) as jw_jz_compliance,
    missing_modifier_denials,
    missing_jw_jz_denials,
    missing_modifier_denied_amount,
    month_complete(month) as complete
from monthly
order by month
