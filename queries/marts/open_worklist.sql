-- builds: macros open_worklist
-- needs: data_date, filtered_recoveries, reason_code, recovery_rates, ref_denial_categories
-- open_worklist(...): the worklist, one row per open denial still pursued, as of the data date (the latest
-- payment loaded), under the dashboard's filters (the same eight parameters as filtered_recoveries after
-- its as_of): initial denials and denials on readjudication (kind), not those billed to the patient (group
-- PR), expected GA/GY/GZ denials nor duplicate claims. Each with the $ it can be expected to bring back
-- (denied $ x the historical recovery rate of its payer and category), its deadline (the appeal window,
-- or timely filing from the date of service for a denial fixed by a corrected claim) and the days left,
-- and the next action its category suggests; priority 'urgent' for 14 days or fewer left.
-- One definition for the Worklist page's rows (queries/recovery/worklist_page.sql), its totals
-- (worklist_totals.sql) and its CSV (worklist.sql). The parameters are named *_list as in
-- filtered_recoveries.sql (a macro's parameter would shadow a column of the same name).
CREATE OR REPLACE MACRO open_worklist(date_basis, date_from, date_to, payer_list, category_list, code_list,
                                      modifier_list, site_list) AS TABLE
with

denials as (
    select * from filtered_recoveries(data_date(), date_basis, date_from, date_to, payer_list, category_list,
                                      code_list, modifier_list, site_list)
),
categories as (select * from ref_denial_categories),
-- historical rates from the pursued denials whose outcome is settled, over all the data (built after each load)
rates as (select * from recovery_rates),

payer_category_rates as (
    select payer_name, category, settled, rate from rates where level = 'payer and category'
),

category_rates as (
    select category, settled, rate from rates where level = 'category'
),

overall_rate as (
    select rate from rates where level = 'all denials'
),

-- a payer's own rate once it has 20 settled denials of the category, else the category's, else all
rated as (
    select
        denials.*,
        case
            when payer_category_rates.settled >= 20 then payer_category_rates.rate
            when category_rates.settled >= 20 then category_rates.rate
            else (select rate from overall_rate)
        end as recovery_rate,
        case
            when payer_category_rates.settled >= 20 then 'payer and category'
            when category_rates.settled >= 20 then 'category'
            else 'all denials'
        end as rate_basis
    from denials
    left join payer_category_rates using (payer_name, category)
    left join category_rates using (category)
    where denials.status = 'open' and denials.pursued
),

final as (
    select
        case when rated.days_left <= 14 then 'urgent' else '' end as priority,
        rated.payer_name,
        rated.claim_id,
        rated.procedure_code,
        coalesce(categories.label, rated.category) as category,
        reason_code(rated.primary_group, rated.primary_reason) as reason,
        rated.denied_amount,
        -- money as DECIMAL: a sum of doubles changed in its last digits with the plan's order
        round(rated.denied_amount * coalesce(rated.recovery_rate, 0), 2)::decimal(18, 2) as expected_recoverable,
        rated.days_left,
        -- what to do next within the first screen's width (1,600 px): the rest of the columns explain the row
        coalesce(categories.usual_path, 'Review the remittance and decide') as next_action,
        rated.deadline,
        rated.denial_date,
        rated.recovery_rate,
        rated.rate_basis,
        rated.payer_claim_number,
        rated.service_date,
        rated.deadline_basis,
        case when rated.readjudication then 'on readjudication' else 'initial' end as kind,
        rated.expected_reimbursement
    from rated
    left join categories using (category)
)

select * from final;
