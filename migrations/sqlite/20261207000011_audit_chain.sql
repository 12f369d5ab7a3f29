-- A tamper-evident 操作履歴 (issue 27, SPEC 9.4). The append-only triggers
-- stop kanri's own code; they do not stop whoever reaches the database and
-- drops them. So every row from now on carries its place in a hash chain
-- (one per contract, "" for rows of no contract) and its hash over its
-- content and the previous row's hash (domain/audit_chain.rs), written in
-- the row's own transaction. `audit_chains` holds each chain's end; the
-- writer takes its row first, so rows of one chain are written one at a
-- time on every instance: no fork, no gap. The PostgreSQL twin is
-- ../postgres/20261207000011_audit_chain.sql.
ALTER TABLE audit_log ADD COLUMN chain TEXT;
ALTER TABLE audit_log ADD COLUMN chain_seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN row_hash TEXT;

CREATE UNIQUE INDEX audit_log_chain_seq ON audit_log (chain, chain_seq);

CREATE TABLE audit_chains (
    chain  TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL,
    head   TEXT NOT NULL
) STRICT;

-- The rows written before the chain: how many, and below which id. A row
-- from the chain's start on without its place in a chain was put there
-- by hand (`audit-verify` says so).
CREATE TABLE audit_chain_start (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    first_id     INTEGER NOT NULL,
    legacy_rows  INTEGER NOT NULL
) STRICT;

INSERT INTO audit_chain_start (id, first_id, legacy_rows)
SELECT 1, COALESCE(MAX(id), 0) + 1, COUNT(*) FROM audit_log;

-- Signed checkpoints: each chain's end at a moment, signed with kanri's
-- own Ed25519 key (not the CA's), whose private half is sealed at rest
-- under the CA (at_rest.rs) and whose public half is published at
-- /pki/audit-key.pem. A rewrite of the chain behind a checkpoint no longer
-- matches it, even with the triggers and audit_chains rewritten too.
CREATE TABLE audit_signing_key (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    public_key_der  BLOB NOT NULL,
    sealed_pkcs8    BLOB NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;

CREATE TABLE audit_checkpoints (
    id         INTEGER PRIMARY KEY,
    signed_at  TEXT NOT NULL,
    body       TEXT NOT NULL,
    signature  BLOB NOT NULL
) STRICT;
