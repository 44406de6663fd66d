-- builds: view prevention_flags
-- needs: flagged_lines
-- prevention_flags: billed lines a denial-prevention rule flags, one row per rule and line (see
-- flagged_lines.sql for the checks and docs/views.md for the columns).
select * from flagged_lines
