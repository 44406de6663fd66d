-- builds: table denial_units
-- needs: fact_units, readjudication_flags
-- partition: claim_key
-- denial_units: the adjudication units that carry a denial (denial_type set, of any class, initial or on
-- readjudication), every column of fact_units, in its order, copied after each load once the readjudication
-- flags are set. A query that counts only denials reads them here (filtered_denials, initial_denials) instead
-- of looking for them among every unit: at 10M lines they are 0.85M of 9.2M units, and the top reasons under
-- JW and JZ took 46 ms against 178 ms. The test of the one definition (tests/test_one_definition.py) checks that
-- it holds fact_units' denials, no more, after a load and after the rules judged every unit again.
select * from fact_units where denial_type is not null
