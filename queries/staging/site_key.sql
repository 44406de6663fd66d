-- builds: macros site_key
-- needs: 
-- site_key(claim_type, site): the site of care as the dashboard names it and filters by: 'TOB 13x' on an
-- institutional claim (the type of bill by its first two digits, CLP08 / CLM05-1) and 'POS 11' on any
-- other (the place of service), so that a POS 13 and a TOB 13x never mix; NULL without a site. One
-- definition for the units (fact_units.site), the billed claims and lines, and the sites' labels.
CREATE OR REPLACE MACRO site_key(claim_type, site) AS
    CASE WHEN claim_type = 'institutional' THEN 'TOB ' || site || 'x' ELSE 'POS ' || site END;
