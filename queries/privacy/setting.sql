-- Whether loads into this database store patient data hashed (setting hash_patient_data, data/settings.csv).
select coalesce(bool_or(lower(trim(value)) in ('true', '1', 'yes', 'on')), false) as hashed
from ref_settings
where setting = 'hash_patient_data'
