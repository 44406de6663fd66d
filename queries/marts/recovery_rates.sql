-- builds: table recovery_rates
-- needs: data_date, pursued_status, recovery_status
-- recovery_rates: how much of the denied dollars came back, over the pursued denials whose outcome is
-- settled (not open, not billed to the patient, not expected, not duplicates), as of the data date: per payer and
-- category, per category, and over all. Rebuilt after each load; the worklist values each open denial
-- at its payer's rate for its category once that payer has 20 settled denials of it, else at the
-- category's once it has 20, else at the rate over all denials.
-- Grain: one row per level ('payer and category', 'category', 'all denials') and its payer and category
-- (NULL where the level has none).
with

denials as (select * from recovery_status(data_date())),

settled as (
    select * from denials where status <> 'open' and pursued_status(status)
),

rates as (
    select
        case
            when grouping(payer_name) = 0 then 'payer and category'
            when grouping(category) = 0 then 'category'
            else 'all denials'
        end as level,
        payer_name,
        category,
        count(*) as settled,
        sum(recovered_amount) / nullif(sum(denied_amount), 0) as rate
    from settled
    group by grouping sets ((payer_name, category), (category), ())
)

select * from rates
