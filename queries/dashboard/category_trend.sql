-- Denied dollars per category and month.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites))

select basis_month as month, category, count(*) as denials, sum(denied_amount) as denied_amount
from units
where denial_type is not null and basis_month is not null
group by all
order by month, category
