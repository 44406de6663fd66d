-- builds: view site_names (internal)
-- needs: ref_bill_type_facilities, ref_place_of_service, site_key
-- site_names: one row per site as the dashboard names it: 'POS 11' (place of service, professional
-- claims) and 'TOB 13x' (type of bill by its first two digits, institutional claims), with a label for
-- people ('POS 19 off campus-outpatient hospital', 'TOB 13x hospital outpatient') from the reference
-- tables place_of_service and bill_type_facilities. Sites not in them are labelled by their key.
with

places as (select * from ref_place_of_service),
bill_types as (select * from ref_bill_type_facilities),

named as (
    select site_key('professional', code) as site, 'professional' as claim_type, code, name from places
    union all
    select site_key('institutional', facility_code), 'institutional', facility_code, name from bill_types
)

select site, site || ' ' || lower(name) as site_label, claim_type, code
from named
