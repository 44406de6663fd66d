-- Denied dollars per category and month (denial_class 'denial'). complete is false for a month not
-- over on the data date; answering is true for a month of service still being answered (month_answering,
-- by answer_days).
with

denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

monthly as (
    select basis_month as month, category, count(*) as denials, sum(denied_amount) as denied_amount
    from denials
    where denial_class = 'denial' and basis_month is not null
    group by all
)

select month, category, coalesce(categories.label, category) as category_label, denials, denied_amount,
    month_complete(month) as complete, month_answering($date_basis, month, $payers) as answering,
    answer_days($payers) as answer_days
from monthly
left join ref_denial_categories as categories using (category)
order by month, category
