-- builds: view recoveries
-- needs: data_date, recovery_status
-- recoveries: one row per followed denial with its outcome as of the data date (the latest payment loaded) (see recovery_status.sql for
-- the statuses, amounts and paths; docs/views.md for every column).
select * from recovery_status(data_date())
