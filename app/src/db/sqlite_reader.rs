//! SQLite's hottest read on the request's own thread.
//!
//! sqlx-sqlite runs every statement on a worker thread of its connection and
//! hands the row back through a channel: for an indexed read of a few
//! microseconds, the two thread wake-ups cost more than the read itself
//! (bench/NOTES.md: the hand-off was the largest share of 利用者一覧's
//! profile once its rows were kept). A read-only connection used right on
//! the calling thread skips them.
//!
//! It never makes the async runtime wait: WAL readers do not wait for the
//! writer, and these connections do not wait at all (`busy_timeout` 0).
//! When SQLite cannot answer at once (BUSY during a WAL reset, which is
//! rare) or anything else fails, [`SqliteReader::read`] says so and the
//! caller reads through the pool, which waits and reports errors as every
//! other statement does. Each statement is its own read transaction, so it
//! sees every write committed before it began, as the pool's reads do.

use super::wal_index::{KeptRead, WalIndex};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Idle connections kept: one per thread that reads at the same moment is
/// enough (the runtime's worker threads); more would only hold file handles.
const KEPT: usize = 16;

pub struct SqliteReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Mapped on first use; `None` when the file has no WAL-index to watch.
    wal_index: OnceLock<Option<WalIndex>>,
}

impl std::fmt::Debug for SqliteReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReader")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteReader {
    /// A reader of the database file at `path`; connections open on first use.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            wal_index: OnceLock::new(),
        }
    }

    /// `read`, or the answer `kept` holds from a moment since which nothing
    /// was committed to the file (`wal_index`): for a read whose answer
    /// depends on the database alone, made on every request.
    pub fn read_kept<T: Clone>(
        &self,
        kept: &KeptRead<T>,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Option<T> {
        let header = || {
            self.wal_index
                .get_or_init(|| WalIndex::open(&self.path))
                .as_ref()
                .and_then(WalIndex::header)
        };
        let before = header();
        if let Some(value) = before.and_then(|now| kept.get(now)) {
            return Some(value);
        }
        let value = self.read(read)?;
        if let Some(before) = before {
            kept.keep(before, header(), &value);
        }
        Some(value)
    }

    /// Runs `read` on a read-only connection of this thread's moment, or
    /// `None` when it could not answer without waiting or failed (logged at
    /// debug: the pool's read that follows reports a real fault).
    pub fn read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let taken = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match taken {
            Some(conn) => conn,
            None => match self.open() {
                Ok(conn) => conn,
                Err(err) => {
                    tracing::debug!(%err, "request-thread SQLite reader could not open");
                    return None;
                }
            },
        };
        let result = read(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < KEPT {
                idle.push(conn);
            }
        }
        result
            .map_err(
                |err| tracing::debug!(%err, "request-thread SQLite read fell back to the pool"),
            )
            .ok()
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // rusqlite's default is to wait 5 s; this connection must not block
        // the runtime's thread, so BUSY comes back at once (and the pool reads).
        conn.busy_timeout(Duration::ZERO)?;
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::SqliteReader;

    #[test]
    fn a_file_that_cannot_be_read_gives_no_answer_instead_of_an_error() {
        let reader = SqliteReader::new(std::path::Path::new("/nonexistent/dir/kanri.db"));
        assert_eq!(
            reader.read(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))),
            None
        );
    }

    #[test]
    fn reads_see_what_another_connection_committed_and_reuse_their_connection() {
        let path = crate::db::scratch_database("reader");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);",
            )
            .unwrap();
        let reader = SqliteReader::new(&path);
        let count =
            || reader.read(|c| c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)));
        assert_eq!(count(), Some(1));
        writer.execute("INSERT INTO t VALUES (2)", []).unwrap();
        assert_eq!(count(), Some(2), "a later read sees the later commit");
        assert_eq!(
            reader.idle.lock().unwrap().len(),
            1,
            "one connection, kept between reads"
        );
        assert_eq!(
            reader.read(|c| c.execute("INSERT INTO t VALUES (3)", [])),
            None,
            "the reader cannot write"
        );
        drop(writer);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
