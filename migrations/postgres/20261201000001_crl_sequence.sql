-- The order revocations committed in, so that each instance can keep the
-- CRL's entries in memory and read only the revocations since its last
-- read (a CRL of 100,000 entries read whole took longer than the 100 ms a
-- revocation's new CRL may take). A trigger numbers every revocation, in
-- the revoking transaction, with the revocation counter it also bumps, so
-- that no code path can forget it, an instance of the version before this
-- one included while instances are upgraded one at a time. The counter's
-- row stays locked by the revoking transaction until it ends, so the
-- numbers follow commit order: a read that sees number n has seen every
-- revocation before it.
-- Revocations from before this migration keep 0: the first read of an
-- instance reads every revoked certificate, whatever its number. kanri
-- never inserts a certificate as revoked (only the benchmark's fixtures do,
-- and number their rows themselves).
ALTER TABLE certificates ADD COLUMN revocation_seq BIGINT NOT NULL DEFAULT 0;

CREATE INDEX certificates_revocation_seq ON certificates (revocation_seq) WHERE state = 'revoked';

CREATE FUNCTION certificates_revocation_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE crl_counter SET revocations = revocations + 1 WHERE id = 1
    RETURNING revocations INTO NEW.revocation_seq;
    RETURN NEW;
END;
$$;

CREATE TRIGGER certificates_revocation_number BEFORE UPDATE OF state ON certificates
FOR EACH ROW WHEN (NEW.state = 'revoked' AND OLD.state <> 'revoked')
EXECUTE FUNCTION certificates_revocation_number();
