-- The per-request path reads the database every time (issue 23): the change
-- counter and the contract versions existed only to validate memory caches
-- of sessions and user lists, and every write to those tables went through
-- them (on PostgreSQL one row that every writer locked). They go. The
-- PostgreSQL twin is ../postgres/20261207000002_no_read_caches.sql.
DROP TRIGGER change_counter_sessions_insert;
DROP TRIGGER change_counter_sessions_update;
DROP TRIGGER change_counter_sessions_delete;
DROP TRIGGER change_counter_users_insert;
DROP TRIGGER change_counter_users_update;
DROP TRIGGER change_counter_users_delete;
DROP TRIGGER change_counter_contracts_insert;
DROP TRIGGER change_counter_contracts_update;
DROP TRIGGER change_counter_contracts_delete;
DROP TRIGGER change_counter_certificates_insert;
DROP TRIGGER change_counter_certificates_update;
DROP TRIGGER change_counter_certificates_delete;
DROP TABLE change_counter;
DROP TRIGGER contracts_version_user_insert;
DROP TRIGGER contracts_version_user_update;
DROP TRIGGER contracts_version_certificate_insert;
DROP TRIGGER contracts_version_certificate_update;
ALTER TABLE contracts DROP COLUMN version;
