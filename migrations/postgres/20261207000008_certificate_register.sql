-- 証明書発行履歴 (issue 26): how each certificate came to be, as the
-- contract's certificate register shows it: 取得 with a key made on the
-- server (.p12) or a CSR, 更新, or the bank's operator command. NULL: a
-- certificate stored before this column (shown as 記録なし). A column that
-- may be NULL: instances of the previous version keep running beside it.
ALTER TABLE certificates ADD COLUMN issued_via TEXT
    CHECK (issued_via IN ('p12', 'csr', 'renewal', 'operator'));
