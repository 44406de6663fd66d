-- builds: macros month_complete, answer_days, month_answering, modifiers_alone, categories_alone, initial_claims
-- needs: answer_lag, claim_category_facts, claim_denials, claim_facts, claim_lines, claim_modifier_facts, claim_modifier_list_facts, data_date, unit_matches
-- The claim-level judgement behind every denial rate by claims (HFMA Claim Integrity Task Force): the
-- view monthly_measures and the dashboard's headline read these macros, so there is one definition.

-- month_complete(month): whether the month is over on the data date (data_date(), the latest payment
-- loaded: see recovery_status.sql). The latest month is usually partial; trends mark it and
-- month-over-month comparisons leave it out.
CREATE OR REPLACE MACRO month_complete(month) AS coalesce(data_date() >= last_day(month::date), false);

-- answer_days(payers): within how many days of service 90% of the claims of these payers are answered
-- (answer_lag.days_90: of all payers when the list is empty; the slowest of those listed, so that a month is
-- final once every chosen payer's claims are mostly in); 0 before any claim is loaded.
CREATE OR REPLACE MACRO answer_days(payers) AS coalesce((
    select max(days_90) from answer_lag
    where (len(payers) = 0 and scope = 'all') or (len(payers) > 0 and scope = 'payer' and list_contains(payers, payer_name))
), 0);

-- month_answering(date_basis, month, payers): by date of service, whether a month over on the data date is
-- still being answered: it ended fewer than answer_days(payers) days before the data date, so claims for it
-- are still to come (its counts and dollars will grow). Trends mark it not final and month-over-month
-- comparisons leave it out, as a partial month. By date of payment never: a payment month over is final.
CREATE OR REPLACE MACRO month_answering(date_basis, month, payers) AS
    date_basis = 'service'
    and month_complete(month)
    and data_date() < last_day(month::date) + answer_days(payers);

-- modifiers_alone(categories, codes, modifiers): a modifier filter and neither a code nor a category (the usual
-- choice): the claims and their figures under it were summed at load, per modifier (claim_modifier_facts, read
-- under one) and per list of modifiers a claim's units carry (claim_modifier_list_facts, under several).
CREATE OR REPLACE MACRO modifiers_alone(categories, codes, modifiers) AS
    len(categories) = 0 and len(codes) = 0 and len(modifiers) > 0;

-- categories_alone(categories, codes, modifiers): a category filter and neither a code nor a modifier: the
-- denials of each claim and category were summed at load (claim_category_facts). A site filter keeps or leaves
-- out whole claims, so it changes no claim's figures.
CREATE OR REPLACE MACRO categories_alone(categories, codes, modifiers) AS
    len(categories) > 0 and len(codes) = 0 and len(modifiers) = 0;

-- initial_claims(...): one row per initial claim adjudication, under the dashboard's filters (the same
-- eight parameters as filtered_units; a NULL date or an empty list keeps everything).
-- Grain: one row per claim_key of fact_units with claim_kind 'adjudicated' (CLP02 1-4, 19-21: not
-- reversals, predeterminations or claims forwarded as not the payer's) that is not a readjudication
-- (fact_units.readjudication: an encounter's later adjudications are followed by the recovery model).
-- - payer_order: 'primary' (CLP02 1, 19), 'secondary' (2, 20), 'tertiary' (3, 21). CLP02 4 does not
--   say: 'secondary' when the claim carries CARC 23 (the prior payer's adjudication), else 'primary'
--   (a payer that cannot find the patient is most often the one billed first).
-- - month: payment month of the adjudication; basis_month: the month of the date basis (the claim's
--   first service date, or the payment date). complete: month_complete(month).
-- - charges: the claim's charge (its lines' charges, or CLP03 for a claim without lines).
-- - denied: a unit with denial_class 'denial' (full or partial; of the chosen categories when the
--   category filter is set; among the units the code and modifier filters match, below); expected (GA/GY/GZ)
--   and duplicate-claim denials are counted apart, of the chosen categories too (a duplicate's category is
--   'duplicate'), as on the line-level pages.
-- - fully_denied: denied, nothing paid on the claim (CLP04 0), and the denials explain it: a
--   claim-level full denial, or every charged line denied.
-- - days_to_pay: payment date - the payer's receipt (DTM*050), NULL when the payer did not send it or sent a
--   receipt dated after the payment.
-- - A claim is kept under the code and modifier filters when any of its units matches, with its charges. It
--   is denied (and duplicate_denied) when a unit that matches is: the claims of a slice of lines as the change
--   findings count them (queries/findings/slice_counts.sql), so that the claims denied and the dollars denied
--   under a modifier speak of the same lines. fully_denied is the whole claim's judgement, for a claim denied
--   on a matching line. The unit figures (lines, denied_lines, denied_amount, avoidable_amount, duplicate and
--   expected figures) count its units that match, as the line-level pages do.
-- - site: the claim's (CLP08 read with the claim's type), which every unit of it carries (fact_units.site), so
--   the site filter keeps or leaves out whole claims, as the payer filter does, with their own figures.
CREATE OR REPLACE MACRO initial_claims(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites) AS TABLE
with

-- Under a category, code or modifier filter, only some figures differ from the claim facts, and they are
-- counted again from the units they concern alone: the denials (of the chosen categories, among the units
-- the other filters match), and under a code or modifier filter the claims with a unit it matches, with
-- their count of lines. (Rolling every unit up again took over a second at 10M lines.) Under modifiers
-- alone, they were summed at load (summed_claims), as were the denials of each category (counted_denials
-- under categories alone). Without the filter that sets it, each CTE's condition is false and DuckDB does
-- not read it.
matched_lines as (
    select * from claim_lines(payers, codes, modifiers, sites)
    where (len(codes) > 0 or len(modifiers) > 0) and not modifiers_alone(categories, codes, modifiers)
),

counted_denials as (
    select * from claim_denials(payers, categories, codes, modifiers, sites)
    where (len(categories) > 0 or len(codes) > 0 or len(modifiers) > 0)
      and not modifiers_alone(categories, codes, modifiers)
      and not categories_alone(categories, codes, modifiers)
    union all by name
    -- under categories alone, the claim's rows of those categories summed at load, added up (a unit has one
    -- category), in claim_denials' columns and types
    select
        claim_key,
        bool_or(denied) as denied,
        bool_or(claim_fully_denied) as claim_fully_denied,
        sum(denied_lines)::bigint as denied_lines,
        sum(denied_amount) as denied_amount,
        sum(avoidable_amount) as avoidable_amount,
        bool_or(duplicate_denied) as duplicate_denied,
        sum(duplicate_denied_amount) as duplicate_denied_amount,
        sum(expected_denied_lines)::bigint as expected_denied_lines,
        sum(expected_denied_amount) as expected_denied_amount
    from claim_category_facts
    where categories_alone(categories, codes, modifiers) and list_contains(categories, category)
    group by claim_key
),

-- a claim kept under a code or modifier filter has a row of matched_lines; under a category filter alone
-- there is none, and the claim's own count of lines stands. Whether it was denied (or denied as a duplicate)
-- is read over the denials the filters keep (claim_denials); whether it was denied whole at claim level, over
-- its denials of the chosen categories, else it is its own (claim_denials reads only the matched denials
-- then). The denial figures come last, in claim_facts' order (claim_denials', claim_rollup.sql): Spark unions
-- by position.
filtered_claims as (
    select
        claim_facts.* exclude (
            denied, claim_fully_denied, denied_lines, denied_amount, avoidable_amount, duplicate_denied,
            duplicate_denied_amount, expected_denied_lines, expected_denied_amount
        ) replace (coalesce(matched_lines.lines, claim_facts.lines) as lines),
        counted_denials.denied,
        case when len(categories) > 0 then counted_denials.claim_fully_denied else claim_facts.claim_fully_denied end
            as claim_fully_denied,
        counted_denials.denied_lines,
        counted_denials.denied_amount,
        counted_denials.avoidable_amount,
        counted_denials.duplicate_denied,
        counted_denials.duplicate_denied_amount,
        counted_denials.expected_denied_lines,
        counted_denials.expected_denied_amount
    from claim_facts
    left join matched_lines using (claim_key)
    left join counted_denials using (claim_key)
    where ((len(codes) = 0 and len(modifiers) = 0) or matched_lines.claim_key is not null)
      and not modifiers_alone(categories, codes, modifiers)
),

-- under modifiers alone, the claims with a unit that carries one of them (or lacked it: missing_modifier),
-- with the figures of those units summed at load (denied and duplicate_denied among them, over those units as
-- claim_denials reads them; claim_fully_denied the whole claim's). Both tables hold the
-- claim's claim_facts row with those figures in place (its columns in their order, as filtered_claims). One
-- modifier reads its rows of claim_modifier_facts as they are (at 10M lines under modifier 25, the claims summed
-- by month in 17 ms, 83 ms when joined to claim_facts); several, the claim's rows of claim_modifier_list_facts
-- that unit_matches keeps, each unit in one of them: a claim with one row is that row, the others' figures are
-- added up and joined to claim_facts (under JW and JZ, 0.4 s against 1.1 s the Overview's query).
summed as (
    select
        claim_key,
        sum(lines)::bigint as lines,
        bool_or(denied) as denied,
        sum(denied_lines)::bigint as denied_lines,
        sum(denied_amount) as denied_amount,
        sum(avoidable_amount) as avoidable_amount,
        bool_or(duplicate_denied) as duplicate_denied,
        sum(duplicate_denied_amount) as duplicate_denied_amount,
        sum(expected_denied_lines)::bigint as expected_denied_lines,
        sum(expected_denied_amount) as expected_denied_amount
    from claim_modifier_list_facts as listed
    where modifiers_alone(categories, codes, modifiers) and len(modifiers) > 1 and claim_lists > 1
      and unit_matches(
          []::VARCHAR[], modifiers, []::VARCHAR[], null::VARCHAR, listed.modifier_list, listed.missing_modifier, null::VARCHAR
      )
    group by claim_key
),

summed_claims as (
    select * exclude (modifier) from claim_modifier_facts
    where modifiers_alone(categories, codes, modifiers) and len(modifiers) = 1
      and modifier = array_to_string(modifiers, '')
    union all by name
    select * exclude (modifier_list, missing_modifier, claim_lists)
    from claim_modifier_list_facts as listed
    where modifiers_alone(categories, codes, modifiers) and len(modifiers) > 1 and claim_lists = 1
      and unit_matches(
          []::VARCHAR[], modifiers, []::VARCHAR[], null::VARCHAR, listed.modifier_list, listed.missing_modifier, null::VARCHAR
      )
    union all by name
    select
        claim_facts.* replace (
            summed.lines as lines,
            summed.denied as denied,
            summed.denied_lines as denied_lines,
            summed.denied_amount as denied_amount,
            summed.avoidable_amount as avoidable_amount,
            summed.duplicate_denied as duplicate_denied,
            summed.duplicate_denied_amount as duplicate_denied_amount,
            summed.expected_denied_lines as expected_denied_lines,
            summed.expected_denied_amount as expected_denied_amount
        )
    from claim_facts
    join summed using (claim_key)
),

claims as (
    -- without a filter on the units, the claim facts built at load as they are
    select * from claim_facts
    where len(categories) = 0 and len(codes) = 0 and len(modifiers) = 0
    union all by name
    select * from filtered_claims
    where len(categories) > 0 or len(codes) > 0 or len(modifiers) > 0
    union all by name
    select * from summed_claims
),

-- a claim without a row of claim_denials (NULL figures, whichever filter counted them) has nothing denied
denial_figures as (
    select
        * replace (
            coalesce(denied, false) as denied,
            coalesce(claim_fully_denied, false) as claim_fully_denied,
            coalesce(denied_lines, 0) as denied_lines,
            coalesce(denied_amount, 0) as denied_amount,
            coalesce(avoidable_amount, 0) as avoidable_amount,
            coalesce(duplicate_denied, false) as duplicate_denied,
            coalesce(duplicate_denied_amount, 0) as duplicate_denied_amount,
            coalesce(expected_denied_lines, 0) as expected_denied_lines,
            coalesce(expected_denied_amount, 0) as expected_denied_amount
        )
    from claims
),

judged as (
    select
        *,
        case
            when status_code in ('1', '19') then 'primary'
            when status_code in ('2', '20') then 'secondary'
            when status_code in ('3', '21') then 'tertiary'
            when status_code = '4' and prior_payer_adjusted then 'secondary'
            else 'primary'
        end as payer_order,
        case when date_basis = 'payment' then payment_date else service_date end as basis_date,
        date_trunc('month', basis_date)::date as basis_month,
        denied and paid_amount = 0 and (claim_fully_denied or every_charged_line_denied) as fully_denied
    from denial_figures
),

final as (
    select
        claim_key,
        payer_name,
        payer_id,
        claim_id,
        status_code,
        payer_order,
        month,
        basis_month,
        basis_date,
        month_complete(month) as complete,
        charges,
        paid_amount,
        denied,
        fully_denied,
        case when denied then charges else 0 end as denied_charges,
        denied_amount,
        avoidable_amount,
        lines,
        denied_lines,
        duplicate_denied,
        duplicate_denied_amount,
        expected_denied_lines,
        expected_denied_amount,
        -- a CLP02 4 claim without a denial reason has no category: none under a category filter
        status_4_without_reason and len(categories) = 0 as status_4_without_reason,
        received_date,
        -- a receipt dated after the payment is a wrong date (two corpus claims): left out, not negative days
        case when received_date <= payment_date then payment_date - received_date end as days_to_pay
    from judged
    where (date_from is null or basis_date >= date_from)
      and (date_to is null or basis_date <= date_to)
      and (len(payers) = 0 or list_contains(payers, payer_name))
      and (len(sites) = 0 or list_contains(sites, site))
)

select * from final;
