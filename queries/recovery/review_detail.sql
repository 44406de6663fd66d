-- The month's denials ($month) one by one, with their outcome as known at the end of the month:
-- the detail sheet of the exported review. Initial denials (those the summary opens) and denials on
-- readjudication (kind); duplicate-claim and expected GA/GY/GZ denials are not denials here.
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
    -- the month by denial_date (not denial_month, worked out after the status): a filter on the column
    -- reaches the scan, so the status is worked out for the month's denials alone
    where denial_date between $month::date and last_day($month::date) and denial_class = 'denial'
),

categories as (select * from ref_denial_categories)

select
    denials.denial_date,
    denials.payer_name,
    denials.claim_id,
    denials.procedure_code,
    array_to_string(denials.modifiers, ' ') as modifiers,
    denials.site_of_care,
    denials.service_date,
    coalesce(categories.label, denials.category) as category,
    denials.primary_group || '-' || denials.primary_reason as reason,
    denials.denied_amount,
    status_label(denials.status) as status,
    denials.recovered_amount,
    denials.recovery_date,
    denials.recovery_path,
    denials.deadline,
    case when denials.readjudication then 'on readjudication' else 'initial' end as kind
from denials
left join categories using (category)
-- ties broken down to the denial (a claim's lines can deny the same amount): the rows kept are the same on
-- every run
order by denials.denied_amount desc, denials.claim_id, denials.denial_id
limit 20000
