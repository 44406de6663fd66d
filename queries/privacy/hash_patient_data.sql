-- Patient data stored hashed: names, member ids and birth dates of the files $first_id..$last_id become
-- salted SHA-256 hex. Run by analytics.privacy.protect inside the load's transaction, right after the
-- files' rows are inserted, when the load asks for it (`load --hash-patient-data`, the Data page's
-- checkbox) or the database's setting hash_patient_data is true: nothing readable is ever committed.
-- The same text (trimmed, upper case) with the database's salt gives the same hash, so a member id still
-- links claims across files, 835 and 837 alike; the salt (meta 'patient_data_salt', random, made once per
-- database) keeps a hash from being looked up in a table of names or ids hashed elsewhere.
-- Statements are separated by semicolons (each runs on its own, with the parameters it names).

create or replace temporary macro patient_hash(salt, v) as
    case when nullif(trim(v), '') is null then v else sha256(salt || upper(trim(v))) end;

-- Birth dates are DATE columns: their hash is kept here and the date itself left empty.
create table if not exists bill_birth_date_hashes (
    submission_key BIGINT NOT NULL,
    file_id INTEGER NOT NULL,
    birth_date_hash VARCHAR NOT NULL    -- salted SHA-256 of bill_claims.patient_birth_date as YYYY-MM-DD
);

insert into bill_birth_date_hashes
select submission_key, file_id, patient_hash($salt, strftime(patient_birth_date, '%Y-%m-%d'))
from bill_claims
where file_id between $first_id and $last_id and patient_birth_date is not null;

update bill_claims set
    subscriber_last_name = patient_hash($salt, subscriber_last_name),
    subscriber_first_name = patient_hash($salt, subscriber_first_name),
    subscriber_member_id = patient_hash($salt, subscriber_member_id),
    patient_last_name = patient_hash($salt, patient_last_name),
    patient_first_name = patient_hash($salt, patient_first_name),
    patient_birth_date = null
where file_id between $first_id and $last_id;

update remit_claims set
    patient_last_name = patient_hash($salt, patient_last_name),
    patient_first_name = patient_hash($salt, patient_first_name),
    patient_member_id = patient_hash($salt, patient_member_id),
    insured_last_name = patient_hash($salt, insured_last_name),
    insured_first_name = patient_hash($salt, insured_first_name),
    insured_member_id = patient_hash($salt, insured_member_id)
where file_id between $first_id and $last_id;

-- Diagnostics that quote a birth date that could not be read, or an unreadable name or birth-date segment.
update load_diagnostics set message = regexp_replace(message, '''.*''', '(value hidden)')
where file_id between $first_id and $last_id
    and (message like 'patient\_birth\_date %' escape '\'
         or message like 'unreadable segment ''NM1%' or message like 'unreadable segment ''DMG%');

drop macro if exists temp.patient_hash
