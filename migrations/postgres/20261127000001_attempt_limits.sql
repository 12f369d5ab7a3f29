-- Attempt limits (login, 実行) counted in the database, so that several
-- instances share them: one row per (action, client address) and per
-- (action, account), counting the attempts of the current minute.
CREATE TABLE attempt_windows (
    key           TEXT PRIMARY KEY,
    window_start  TEXT NOT NULL,
    attempts      BIGINT NOT NULL CHECK (attempts > 0)
);

CREATE INDEX attempt_windows_start ON attempt_windows (window_start);
