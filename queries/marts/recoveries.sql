-- recoveries: one row per followed denial with its outcome as of today (see recovery_status.sql for
-- the statuses, amounts and paths; docs/views.md for every column).
select * from recovery_status(current_date)
