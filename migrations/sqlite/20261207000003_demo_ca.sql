-- A CA made in demo mode is sealed with the published demo passphrase: it
-- must never serve outside demo mode (issue 24). The PostgreSQL twin is
-- ../postgres/20261207000003_demo_ca.sql.
ALTER TABLE certificate_authority ADD COLUMN demo INTEGER NOT NULL DEFAULT 0
    CHECK (demo IN (0, 1));

-- A CA stored before this column existed is the demo's when it carries the
-- demo's names (use_cases/certificate_authority.rs, SPEC section 6).
UPDATE certificate_authority SET demo = 1
WHERE client_o = '(9999)KENSHINYO DEMO' AND client_ou = '(9999)KANRI DEMO CA';
