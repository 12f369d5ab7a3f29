-- Twin of ../sqlite/20261207000002_no_read_caches.sql.
DROP TRIGGER change_counter_sessions ON sessions;
DROP TRIGGER change_counter_users ON users;
DROP TRIGGER change_counter_contracts ON contracts;
DROP TRIGGER change_counter_certificates ON certificates;
DROP FUNCTION change_counter_bump();
DROP TABLE change_counter;
DROP TRIGGER contracts_version_user_insert ON users;
DROP TRIGGER contracts_version_user_update ON users;
DROP TRIGGER contracts_version_certificate_change ON certificates;
DROP FUNCTION contracts_version_of_user();
DROP FUNCTION contracts_version_of_certificate();
ALTER TABLE contracts DROP COLUMN version;
