-- 電子証明書方式 and the revocation publications (SPEC 7.5, 7.6). The
-- SQLite twin is ../sqlite/20261126000001_certificate_login_and_crl.sql.

-- 電子証明書方式, set per contract by the bank (the 申込書): its users log
-- in only with their own current certificate.
ALTER TABLE contracts ADD COLUMN certificate_login BIGINT NOT NULL DEFAULT 0
    CHECK (certificate_login IN (0, 1));

-- How many revocations have ever committed: every revocation bumps it in
-- its own transaction, so a CRL that covers fewer is known to be stale on
-- every instance, whatever their clocks say.
CREATE TABLE crl_counter (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    revocations  BIGINT NOT NULL CHECK (revocations >= 0)
);

INSERT INTO crl_counter (id, revocations)
SELECT 1, COUNT(*) FROM certificates WHERE state = 'revoked';

-- The CRLs kanri signed, newest last; the number is the CRL number, so it
-- increases across restarts and instances (a second instance making the
-- same number loses the insert and serves the winner's).
CREATE TABLE crls (
    number       BIGINT PRIMARY KEY CHECK (number > 0),
    revocations  BIGINT NOT NULL,
    this_update  TEXT NOT NULL,
    next_update  TEXT NOT NULL,
    der          BYTEA NOT NULL
);

CREATE INDEX certificates_revoked ON certificates (not_after) WHERE state = 'revoked';
