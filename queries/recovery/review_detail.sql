-- The month's denials ($month) one by one, with their outcome as known at the end of the month:
-- the detail sheet of the exported review. Initial denials (those the summary opens) and denials on
-- readjudication (kind); duplicate-claim and expected GA/GY/GZ denials are not denials here.
-- Grain: one row per denial, the 20,000 largest (the review's sections() says how many of the month's).
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
    -- the month by denial_date (not denial_month, worked out after the status): a filter on the column
    -- reaches the scan, so the status is worked out for the month's denials alone
    where denial_date between $month::date and last_day($month::date) and denial_class = 'denial'
),

categories as (select * from ref_denial_categories),
-- recovery_status does not carry the site (the filters match it in the ledger): looked up for the rows listed
denial_sites as (select denial_id, site from recovery_denials),
site_names as (select * from site_names),

-- ties broken down to the denial (a claim's lines can deny the same amount): the rows kept are the same on
-- every run
largest as (
    select * from denials
    order by denied_amount desc, claim_id, denial_id
    limit 20000
),

final as (
    select
        largest.denial_date,
        largest.payer_name,
        largest.claim_id,
        largest.procedure_code,
        -- the amount the list is sorted by and its outcome, then why, within a 1,600 px screen; the rest after
        largest.denied_amount,
        status_label(largest.status) as status,
        largest.recovered_amount,
        coalesce(categories.label, largest.category) as category,
        reason_code(largest.primary_group, largest.primary_reason) as reason,
        modifier_list(largest.modifiers) as modifiers,
        -- the site as every page names it ('POS 11 office'): CLP08's bare '13' reads alike for a place of
        -- service and an institutional claim's type of bill
        denial_sites.site,
        coalesce(site_names.site_label, denial_sites.site) as site_label,
        largest.service_date,
        largest.recovery_date,
        largest.recovery_path,
        largest.deadline,
        case when largest.readjudication then 'on readjudication' else 'initial' end as kind,
        largest.denial_id
    from largest
    left join denial_sites using (denial_id)
    left join site_names on site_names.site = denial_sites.site
    left join categories on categories.category = largest.category
)

select * exclude (denial_id) from final
order by denied_amount desc, claim_id, denial_id
