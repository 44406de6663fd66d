-- The diagnostics of the most recently loaded file named $file_name, in file order.
with

files as (select * from source_files where file_name = $file_name),
latest as (select max(file_id) as file_id from files),
diagnostics as (select * from load_diagnostics)

select
    diagnostics.segment_position,
    diagnostics.severity,
    diagnostics.segment_id,
    -- a birth date that could not be read, an unreadable name or birth-date segment: not shown
    case when diagnostics.message like 'patient\_birth\_date %' escape '\'
              or diagnostics.message like 'unreadable segment ''NM1%'
              or diagnostics.message like 'unreadable segment ''DMG%'
         then regexp_replace(diagnostics.message, '''.*''', '(value hidden)')
         else diagnostics.message end as message
from diagnostics
join latest using (file_id)
order by diagnostics.segment_position
