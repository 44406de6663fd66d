-- Top movers: denied $ by payer, category and code in $month against the month before and the
-- average of the 12 months before it (of those the history holds, when it is shorter); the biggest changes against that average first. Complete months
-- only: when $month is not over on the data date (month_complete), the month before it (the latest
-- complete month) is compared instead, and `month` says which month was.
with

chosen as (
    select case when month_complete($month::date) then $month::date
                else ($month::date - interval 1 month)::date end as month
),

denials as (
    -- (the month worked out again here: a table function's arguments cannot read a CTE)
    select * from filtered_recoveries(
        last_day(case when month_complete($month::date) then $month::date else $month::date - interval 1 month end),
        $date_basis, NULL, NULL, $payers, $categories, $codes, $modifiers, $sites)
    -- the 13 months by denial_date (not denial_month, worked out after the status). The month compared
    -- depends on the data date (a subquery, applied after the status is worked out), so a bound of
    -- parameters alone, 13 months before $month, is given as well: the scan applies that one
    where initial_denial and denial_date >= ((select month from chosen) - interval 12 month)::date
      and denial_date >= ($month::date - interval 13 month)::date
),

categories as (select * from ref_denial_categories),

-- the months of the 12 before that the history holds (from its first payment's month): a history shorter
-- than a year is averaged over the months it has, not read as months without denials
months_before as (
    select greatest(1, least(12, date_diff('month', date_trunc('month', min(payment_date)), (select month from chosen))))
        as months
    from fact_units
),

by_dimension as (
    select 'payer' as dimension, payer_name as value, denial_month, denied_amount from denials
    union all
    select 'category', coalesce(categories.label, denials.category), denial_month, denied_amount
    from denials left join categories using (category)
    union all
    select 'code', coalesce(procedure_code, '(claim level)'), denial_month, denied_amount from denials
),

compared as (
    select
        dimension,
        value,
        coalesce(sum(denied_amount) filter (where denial_month = (select month from chosen)), 0) as this_month,
        coalesce(sum(denied_amount) filter (where denial_month = (select month from chosen) - interval 1 month), 0)
            as previous_month,
        coalesce(sum(denied_amount) filter (where denial_month < (select month from chosen)), 0)
            / (select months from months_before) as average_12_months
    from by_dimension
    group by all
),

ranked as (
    select
        *,
        this_month - previous_month as change_from_previous,
        this_month - average_12_months as change_from_average,
        row_number() over (partition by dimension order by abs(this_month - average_12_months) desc, value) as rank
    from compared
    where this_month <> 0 or previous_month <> 0 or average_12_months <> 0
)

select
    dimension, value, this_month, previous_month, average_12_months, change_from_previous, change_from_average,
    (select month from chosen) as month
from ranked
where rank <= 5
order by dimension, rank
