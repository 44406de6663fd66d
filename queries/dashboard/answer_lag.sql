-- How long payers take to answer a claim (answer_lag): 90% of claims are answered within days_90 days of
-- their first date of service. The charts' note on months of service still being answered quotes it.
select days_90 from answer_lag
