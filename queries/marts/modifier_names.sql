-- builds: macros modifier_list, modifier_combination_name
-- needs: 
-- How modifiers read on the pages: one wording, '+' between them (a list joined with spaces on one page and
-- with '+' on the next read as two different things).
-- modifier_list(modifiers): one line's modifiers as billed, in their order (the first is the one that prices
-- the line): 'JW+JG', '' for none. The lists of lines (denied lines, a claim's lines, the review's and
-- Prevention's lists) show it.
-- modifier_combination_name(combination): lines grouped by their modifier combination (sorted and joined with
-- '+', as fact_units.modifier_combination holds it, so JW+JG and JG+JW are one group), '(none)' for lines
-- without a modifier. The tables by modifier (Modifiers, Codes) show it.
CREATE OR REPLACE MACRO modifier_list(modifiers) AS
    array_to_string(modifiers, '+');
CREATE OR REPLACE MACRO modifier_combination_name(combination) AS
    coalesce(nullif(combination, ''), '(none)');
