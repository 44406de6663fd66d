-- The slice the sidebar's filters name (findings.slice_of: its dimension and key values, NULL for the keys
-- it has not), as the default period's test found it: its change_findings row, none when the slice was not
-- tested (too few claims). The Overview says it under its findings, Payers under one payer's trend and Codes
-- under one code's tiles (ui.filtered_slice_change).
with

tested as (select * from change_findings)

select *
from tested
where dimension = $dimension
  and payer_name is not distinct from $payer_name
  and category is not distinct from $category
  and reason is not distinct from $reason
  and remark is not distinct from $remark
  and procedure_code is not distinct from $procedure_code
  and modifier is not distinct from $modifier
  and site is not distinct from $site
