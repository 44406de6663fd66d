-- The counts behind the change findings of a period: every slice's claims, denied claims, charges and
-- denied dollars in each payment month from $baseline_from to $period_to (first days of months), as
-- queries/findings/slice_counts.sql counts them (its header defines slices and counts). They are counted
-- once per load into slice_months (analytics/findings/store.py), for the months over on the data date: the
-- caller picks usable months (months.sql).
-- Grain: one row per slice × payment month.
with

counted as (select * from slice_months),

final as (
    select *
    from counted
    where month between $baseline_from and $period_to
)

select * from final
order by all
