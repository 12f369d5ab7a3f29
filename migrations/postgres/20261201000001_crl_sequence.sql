-- The order revocations committed in, so that each instance can keep the
-- CRL's entries in memory and read only the revocations since its last
-- read (a CRL of 100,000 entries read whole took longer than the 100 ms a
-- revocation's new CRL may take). A revocation bumps crl_counter first,
-- which locks its one row until the revocation commits, and takes the new
-- count as its number: numbers are therefore given in commit order, and a
-- read that sees number n has seen every revocation before it.
-- Revocations from before this migration keep 0: the first read of an
-- instance reads every revoked certificate, whatever its number.
ALTER TABLE certificates ADD COLUMN revocation_seq BIGINT NOT NULL DEFAULT 0;

CREATE INDEX certificates_revocation_seq ON certificates (revocation_seq) WHERE state = 'revoked';
