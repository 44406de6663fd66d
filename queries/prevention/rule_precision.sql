-- How well each prevention rule foresees denials: of the billed lines it flagged (under the page's
-- payer, code and site filters and service dates) that a payer has answered (the matched remittance
-- line's initial adjudication), how many were denied in the rule's category (precision = those ÷
-- answered), denied for another reason, or not denied; the last two also as shares of answered, drawn
-- beside precision on the Prevention page.
with

flags as (
    select * from filtered_prevention_flags($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
),
rules as (select * from ref_prevention_rules),
-- the first answer to each billed line (matched remittance line, initial adjudication), built after each load
answers as (select * from line_answers),

-- the first answer to each flagged line
answered as (
    select distinct flags.rule_id, flags.bill_line_key, answers.denied, answers.denied_category
    from flags
    join answers using (bill_line_key)
),

per_rule as (
    select
        rules.rule_id,
        rules."check",
        rules.category,
        count(flags.bill_line_key) as flagged_lines,
        count(answered.bill_line_key) as answered_lines,
        count(*) filter (where answered.denied and answered.denied_category = rules.category) as denied_as_foreseen,
        count(*) filter (where answered.denied and answered.denied_category is distinct from rules.category)
            as denied_otherwise,
        count(*) filter (where not answered.denied) as not_denied,
        any_value(rules.description) as rule_description
    from rules
    left join flags using (rule_id)
    left join answered using (rule_id, bill_line_key)
    group by all
)

-- precision beside the rule: the measure a reader looks for, in view before the counts behind it; what
-- the rule checks after them (its id names it), so the counts fit a 1,600 px screen
select
    rule_id,
    category,
    denied_as_foreseen / nullif(answered_lines, 0) as precision,
    flagged_lines,
    answered_lines,
    denied_as_foreseen,
    denied_otherwise,
    not_denied,
    "check",
    denied_otherwise / nullif(answered_lines, 0) as denied_otherwise_share,
    not_denied / nullif(answered_lines, 0) as not_denied_share,
    rule_description
from per_rule
order by flagged_lines desc, rule_id
