-- The diagnostics of the most recently loaded file named $file_name, in file order.
with

files as (select * from source_files where file_name = $file_name),
latest as (select max(file_id) as file_id from files),
diagnostics as (select * from load_diagnostics)

select diagnostics.segment_position, diagnostics.severity, diagnostics.segment_id, diagnostics.message
from diagnostics
join latest using (file_id)
order by diagnostics.segment_position
