-- The slice the sidebar's filters name (findings.slice_of: its dimension and key values, NULL for the keys
-- it has not), as the default period's test found it, and the findings inside it (the slices that share its
-- values and add others, one per set of claims): its change_findings row, none when the slice was not tested
-- (too few claims), and theirs; findings.slice_row and findings.findings_inside tell them apart (the latter
-- also leaves out a part of a change whose leading finding is inside: part_of). The
-- Overview says it under its findings, Payers under one payer's trend and Codes under one code's tiles
-- (ui.filtered_slice_change).
with

tested as (select * from change_findings),

-- the slice and the slices within it: each of its values, any value where it has none
sharing as (
    select *
    from tested
    where ($payer_name is null or payer_name = $payer_name)
        and ($category is null or category = $category)
        and ($reason is null or reason = $reason)
        and ($remark is null or remark = $remark)
        and ($procedure_code is null or procedure_code = $procedure_code)
        and ($modifier is null or modifier = $modifier)
        and ($site is null or site = $site)
)

select *
from sharing
where dimension = $dimension or (finding and same_as is null)
