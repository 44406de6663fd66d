-- builds: view monthly_measures
-- needs: initial_claims
-- monthly_measures: HFMA's initial denial rates, one row per payment month × payer × payer order.
-- Grain: month (payment month of the initial adjudication) × payer_name × payer_order, from
-- initial_claims (queries/marts/initial_claims.sql, the one claim-level definition the Overview reads
-- too), unfiltered. Rates are NULL where nothing was adjudicated. Definitions: docs/views.md.
with

claims as (
    select * from initial_claims('payment', NULL, NULL, []::VARCHAR[], []::VARCHAR[], []::VARCHAR[],
                                 []::VARCHAR[], []::VARCHAR[])
),

monthly as (
    select
        month,
        payer_name,
        payer_order,
        count(*) as initial_claims,
        count(*) filter (where denied) as denied_claims,
        count(*) filter (where fully_denied) as fully_denied_claims,
        sum(charges)::decimal(18, 2) as charges,
        sum(denied_charges)::decimal(18, 2) as denied_charges,
        sum(denied_amount)::decimal(18, 2) as denied_amount,
        sum(lines)::bigint as lines,
        sum(denied_lines)::bigint as denied_lines,
        bool_and(complete) as complete,
        count(*) filter (where duplicate_denied) as duplicate_denied_claims,
        sum(duplicate_denied_amount)::decimal(18, 2) as duplicate_denied_amount,
        sum(expected_denied_lines)::bigint as expected_denied_lines,
        sum(expected_denied_amount)::decimal(18, 2) as expected_denied_amount,
        count(*) filter (where status_4_without_reason) as status_4_without_reason_claims
    from claims
    group by month, payer_name, payer_order
),

final as (
    select
        month,
        payer_name,
        payer_order,
        initial_claims,
        denied_claims,
        fully_denied_claims,
        denied_claims / initial_claims as claim_denial_rate,
        charges,
        denied_charges,
        denied_charges / nullif(charges, 0) as dollar_denial_rate,
        denied_amount,
        lines,
        denied_lines,
        denied_lines / nullif(lines, 0) as line_denial_rate,
        complete,
        duplicate_denied_claims,
        duplicate_denied_amount,
        expected_denied_lines,
        expected_denied_amount,
        status_4_without_reason_claims
    from monthly
)

select * from final
order by month, payer_name, payer_order
