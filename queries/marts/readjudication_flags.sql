-- builds: update fact_units
-- needs: adjudication_links, claims, fact_units
-- partition: claim_key
-- Marks fact_units.readjudication after each load: an initial adjudication is the first of its
-- encounter (adjudication_links), and the denial rates count only those. A claim no longer followed,
-- after the rules changed, is initial again. When files were only added, only the claims they touch are
-- marked again (analytics/derived.py reads adjudication_links and claims narrowed to those claims): the
-- claims, not fact_units, say which claims are judged, so that both statements stay within them.
UPDATE fact_units SET readjudication = links.readjudication
FROM (SELECT DISTINCT claim_key, readjudication FROM adjudication_links) AS links
WHERE fact_units.claim_key = links.claim_key
  AND fact_units.readjudication IS DISTINCT FROM links.readjudication;

UPDATE fact_units SET readjudication = false
WHERE readjudication
  AND claim_key IN (SELECT claim_key FROM claims)
  AND claim_key NOT IN (SELECT claim_key FROM adjudication_links);
