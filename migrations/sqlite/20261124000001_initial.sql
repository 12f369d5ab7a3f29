-- kanri schema, SQLite flavour. The PostgreSQL twin lives in ../postgres and
-- must stay equivalent: the same tables, columns, constraint names and rules.
-- Times are TEXT in fixed-width RFC 3339 UTC (see app/src/domain/time.rs).

CREATE TABLE contracts (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    branch      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    CONSTRAINT contracts_code_unique UNIQUE (code)
) STRICT;

CREATE TABLE users (
    id                          INTEGER PRIMARY KEY,
    contract_id                 INTEGER NOT NULL REFERENCES contracts (id),
    login_id                    TEXT NOT NULL,
    name                        TEXT NOT NULL,
    role                        TEXT NOT NULL CHECK (role IN ('master', 'admin', 'general')),
    email                       TEXT NOT NULL,
    login_password_hash         TEXT NOT NULL,
    confirmation_password_hash  TEXT NOT NULL,
    login_failures              INTEGER NOT NULL DEFAULT 0 CHECK (login_failures >= 0),
    login_stopped               INTEGER NOT NULL DEFAULT 0 CHECK (login_stopped IN (0, 1)),
    confirmation_failures       INTEGER NOT NULL DEFAULT 0 CHECK (confirmation_failures >= 0),
    confirmation_stopped        INTEGER NOT NULL DEFAULT 0 CHECK (confirmation_stopped IN (0, 1)),
    last_login_at               TEXT,
    created_at                  TEXT NOT NULL,
    CONSTRAINT users_login_id_unique UNIQUE (login_id)
) STRICT;

-- Exactly one マスターユーザ per contract: at most one by this index; the
-- operator command creates a contract together with its master, and the
-- trigger below keeps a master from being removed or demoted.
CREATE UNIQUE INDEX users_one_master_per_contract ON users (contract_id) WHERE role = 'master';
CREATE INDEX users_contract ON users (contract_id, login_id);

CREATE TRIGGER users_keep_master_on_delete BEFORE DELETE ON users
WHEN OLD.role = 'master'
BEGIN
    SELECT RAISE(ABORT, 'users_keep_master');
END;

CREATE TRIGGER users_keep_master_on_update BEFORE UPDATE OF role, contract_id ON users
WHEN OLD.role = 'master' AND (NEW.role <> 'master' OR NEW.contract_id <> OLD.contract_id)
BEGIN
    SELECT RAISE(ABORT, 'users_keep_master');
END;

CREATE TABLE certificates (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL REFERENCES users (id),
    serial             TEXT NOT NULL CHECK (length(serial) = 32),
    subject_o          TEXT NOT NULL,
    subject_ou         TEXT NOT NULL,
    subject_cn         TEXT NOT NULL,
    not_before         TEXT NOT NULL,
    not_after          TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('issued', 'revoked', 'superseded')),
    revoked_at         TEXT,
    revoked_by         TEXT,
    revocation_reason  TEXT,
    CONSTRAINT certificates_serial_unique UNIQUE (serial),
    CONSTRAINT certificates_revocation_complete
        CHECK ((state = 'revoked') = (revoked_at IS NOT NULL AND revoked_by IS NOT NULL))
) STRICT;

-- At most one 発行済み certificate per user.
CREATE UNIQUE INDEX certificates_one_issued_per_user ON certificates (user_id) WHERE state = 'issued';
CREATE INDEX certificates_user_newest ON certificates (user_id, not_before);
CREATE INDEX certificates_issued_not_after ON certificates (not_after) WHERE state = 'issued';

-- 操作履歴: append-only.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    occurred_at    TEXT NOT NULL,
    actor          TEXT NOT NULL,
    contract_code  TEXT,
    action         TEXT NOT NULL,
    target         TEXT,
    outcome        TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    reason         TEXT,
    client_ip      TEXT,
    user_agent     TEXT
) STRICT;

CREATE INDEX audit_log_contract_time ON audit_log (contract_code, occurred_at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log_append_only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log_append_only');
END;

-- tower-sessions records; user_id is copied out of the record so that a
-- revocation can end the target user's sessions.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id),
    data        TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
