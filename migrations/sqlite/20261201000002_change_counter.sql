-- One number for everything a request's session read returns (the session,
-- its user, the user's contract and 発行済み certificate), bumped by every
-- write to those four tables, in the writing transaction itself, by
-- triggers, so that no code path can forget it. An instance keeps the
-- sessions it read in memory beside the number they were read with, and
-- uses one only after reading that the number has not moved since: on
-- PostgreSQL one read of the number serves every request that arrived
-- before it was sent (infra/session_reads.rs). SQLite writers take the
-- database's one write lock, so the numbers follow commit order.
CREATE TABLE change_counter (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    changes INTEGER NOT NULL
);

INSERT INTO change_counter (id, changes) VALUES (1, 0);

CREATE TRIGGER change_counter_sessions_insert AFTER INSERT ON sessions
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER change_counter_sessions_update AFTER UPDATE ON sessions
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER change_counter_sessions_delete AFTER DELETE ON sessions
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;

CREATE TRIGGER change_counter_users_insert AFTER INSERT ON users
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER change_counter_users_update AFTER UPDATE ON users
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER change_counter_users_delete AFTER DELETE ON users
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;

CREATE TRIGGER change_counter_contracts_insert AFTER INSERT ON contracts
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER change_counter_contracts_update AFTER UPDATE ON contracts
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER change_counter_contracts_delete AFTER DELETE ON contracts
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;

CREATE TRIGGER change_counter_certificates_insert AFTER INSERT ON certificates
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER change_counter_certificates_update AFTER UPDATE ON certificates
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER change_counter_certificates_delete AFTER DELETE ON certificates
BEGIN UPDATE change_counter SET changes = changes + 1 WHERE id = 1; END;
