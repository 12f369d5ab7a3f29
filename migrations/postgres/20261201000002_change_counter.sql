-- One number for everything a request's session read returns (the session,
-- its user, the user's contract and 発行済み certificate), bumped by every
-- write to those four tables, in the writing transaction itself, by
-- triggers, so that no code path can forget it. An instance keeps the
-- sessions it read in memory beside the number they were read with, and
-- uses one only after reading that the number has not moved since: one
-- read of the number serves every request that arrived before it was sent
-- (infra/session_reads.rs).
-- The triggers are deferred to the commit: the counter's row lock is then
-- taken last and held only while the transaction commits, so it orders
-- commits without joining the row locks a transaction takes on its way
-- (taken mid-transaction, two writers could each hold what the other
-- waits for). The lock makes the numbers follow commit order: a snapshot
-- that sees number n has seen every write that bumped it before.
CREATE TABLE change_counter (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    changes BIGINT NOT NULL
);

INSERT INTO change_counter (id, changes) VALUES (1, 0);

CREATE FUNCTION change_counter_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE change_counter SET changes = changes + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER change_counter_sessions AFTER INSERT OR UPDATE OR DELETE ON sessions
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION change_counter_bump();

CREATE CONSTRAINT TRIGGER change_counter_users AFTER INSERT OR UPDATE OR DELETE ON users
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION change_counter_bump();

CREATE CONSTRAINT TRIGGER change_counter_contracts AFTER INSERT OR UPDATE OR DELETE ON contracts
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION change_counter_bump();

CREATE CONSTRAINT TRIGGER change_counter_certificates AFTER INSERT OR UPDATE OR DELETE ON certificates
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION change_counter_bump();
