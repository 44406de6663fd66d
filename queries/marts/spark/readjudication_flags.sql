-- builds: update fact_units
-- needs: adjudication_links, claims, fact_units
-- readjudication_flags on Spark: Parquet has no UPDATE, so this query gives fact_units with the flag
-- as queries/marts/readjudication_flags.sql's two statements leave it (the encounter's flag from
-- adjudication_links, false for a claim it does not follow), and the builder writes it as the new
-- fact_units. The flag starts false on Spark (fact_units is built whole), so the second statement's
-- case is the coalesce; a claim with two flags in adjudication_links (none expected) counts as a readjudication.
select
    fact_units.* except (readjudication),
    coalesce(links.readjudication, false) as readjudication
from fact_units
left join (
    select claim_key, bool_or(readjudication) as readjudication from adjudication_links group by claim_key
) as links
    on fact_units.claim_key = links.claim_key
