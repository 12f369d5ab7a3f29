-- The issuing CA's key in a PKCS#11 token (issue 24): the label its
-- objects carry there. A CA whose key is in a token has no sealed key in
-- the database (sealed_key_pem is empty): nothing of the key is here. NULL:
-- the key is sealed with the passphrase, the embedded default. Adding a
-- column that may be NULL: instances of the previous version keep running
-- against it. The twin is ../sqlite/20261207000007_ca_key_in_token.sql.
ALTER TABLE certificate_authority ADD COLUMN token_key_label TEXT;
ALTER TABLE certificate_authority ADD CONSTRAINT key_sealed_or_in_token
    CHECK ((token_key_label IS NULL) = (sealed_key_pem <> ''));
