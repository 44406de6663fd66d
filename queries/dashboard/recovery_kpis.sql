-- Overview tiles for recovery: what came back on the denials under the filters, as of the data date (the latest payment loaded).
with

denials as (
    select * from filtered_recoveries(data_date(), $date_basis, $date_from, $date_to, $payers, $categories,
                                      $codes, $modifiers, $sites)
)

select
    count(*) as denials,
    coalesce(sum(denied_amount), 0) as denied_amount,
    coalesce(sum(recovered_amount), 0) as recovered_amount,
    sum(recovered_amount) / nullif(sum(denied_amount), 0) as recovery_rate,
    count(*) filter (where status = 'open') as open_denials,
    coalesce(sum(denied_amount) filter (where status = 'open'), 0) as open_amount
from denials
