-- A version per contract, bumped by every write that changes what its
-- user list shows (a user added, renamed or re-roled; a certificate issued,
-- revoked or replaced), in the writing transaction itself, by triggers, so
-- that no code path can forget it. Each instance keeps the list in memory
-- under the version it was read with; a request that reads a newer version
-- (it comes with the session's own row, no extra read) reads the list again.
ALTER TABLE contracts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION contracts_version_of_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE contracts SET version = version + 1 WHERE id IN (OLD.contract_id, NEW.contract_id);
    ELSE
        UPDATE contracts SET version = version + 1 WHERE id = NEW.contract_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contracts_version_user_insert AFTER INSERT ON users
FOR EACH ROW EXECUTE FUNCTION contracts_version_of_user();

CREATE TRIGGER contracts_version_user_update AFTER UPDATE OF login_id, name, role, contract_id ON users
FOR EACH ROW EXECUTE FUNCTION contracts_version_of_user();

CREATE FUNCTION contracts_version_of_certificate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contracts SET version = version + 1
    WHERE id = (SELECT contract_id FROM users WHERE id = NEW.user_id);
    RETURN NULL;
END;
$$;

CREATE TRIGGER contracts_version_certificate_change AFTER INSERT OR UPDATE ON certificates
FOR EACH ROW EXECUTE FUNCTION contracts_version_of_certificate();
