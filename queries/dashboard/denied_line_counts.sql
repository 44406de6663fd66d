-- How many lines denied_lines.sql finds under the filters and the claim id search, before its limit of 1,000
-- rows, so that the Claims page says how many it lists of how many. denials and denied_amount count only
-- what the other pages count (denial_class 'denial'): a category clicked on the Overview has its denials there.
-- Grain: one row.
with

denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

-- the lines denied_lines.sql lists
matching as (
    select *
    from denials
    where $search = '' or contains(lower(claim_id), lower($search))
)

select
    count(*) as lines,
    count(*) filter (where denial_class = 'denial') as denials,
    coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount
from matching
