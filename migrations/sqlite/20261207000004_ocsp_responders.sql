-- The delegated OCSP responder (issue 24): a key of its own with a
-- certificate from the CA valid a few days, so that the CA key does not sign
-- on every OCSP request. The newest generation answers; one instance makes
-- the next before it expires (the primary key decides which), and every
-- instance takes the newest. Its key is sealed with the CA's passphrase.
-- The PostgreSQL twin is ../postgres/20261207000004_ocsp_responders.sql.
CREATE TABLE ocsp_responders (
    generation       INTEGER PRIMARY KEY CHECK (generation > 0),
    certificate_der  BLOB NOT NULL,
    sealed_key_pem   TEXT NOT NULL,
    not_before       TEXT NOT NULL,
    not_after        TEXT NOT NULL,
    created_at       TEXT NOT NULL
) STRICT;
