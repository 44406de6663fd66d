-- The date recoveries are judged as of: the latest payment loaded.
select data_date() as data_date
