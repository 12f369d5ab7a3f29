//! Whether anything was committed to an SQLite file since a moment, without
//! a statement: the header of SQLite's WAL-index, read from the shared
//! memory every connection to the file maps.
//!
//! In WAL mode every commit, on any connection in any process, ends by
//! writing a new WAL-index header (`walIndexWriteHdr`: the transaction
//! counter `iChange` and the last frame `mxFrame` move), and a reader learns
//! what is committed only from that header; so while the header has the
//! bytes it had at a moment, the database is as it was then. The per-request
//! change counter (`db::change_counter`) costs a read transaction on SQLite
//! (the shared-memory locks, the statement's step and reset: the largest
//! share of 作業内容選択's remaining work over the minimal page); comparing
//! 48 bytes costs nothing. PostgreSQL has no such shared memory; it reads.
//!
//! The header's layout is the documented WAL-index format
//! (<https://sqlite.org/walformat.html>, version 3007000, unchanged since
//! SQLite 3.7.0); anything else (another version, a header being written,
//! no shared memory) answers "unknown" and the caller reads as before.
//! Writers write the second copy, then the first; a reader that finds both
//! copies equal has a whole header, as SQLite's own `walIndexTryHdr` checks.

use rusqlite::{ffi, Connection, OpenFlags};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::{fence, Ordering};
use std::sync::Mutex;

/// `WALINDEX_MAX_VERSION`: the only header layout this reads.
const VERSION: u32 = 3_007_000;
/// One copy of the header (`WalIndexHdr`).
const HEADER: usize = 48;
/// The first region of the shared memory, as SQLite maps it (`WALINDEX_PGSZ`).
const REGION: i32 = 32_768;

/// One whole copy of the header: equal values mean no commit between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header([u8; HEADER]);

/// The file's WAL-index, mapped by a connection kept open for the purpose:
/// while it is open the shared memory cannot be truncated or replaced (SQLite
/// resets it only when no connection has it), so the mapping stays valid.
pub struct WalIndex {
    /// Never used after opening; owns the mapping.
    _connection: Mutex<Connection>,
    header: NonNull<[u8; 2 * HEADER]>,
}

// SAFETY: `header` points into shared memory that the kept connection maps
// until it is dropped with `self`; it is only ever read, with volatile reads,
// and concurrent writers are other processes' SQLite (see `header`).
unsafe impl Send for WalIndex {}
unsafe impl Sync for WalIndex {}

impl std::fmt::Debug for WalIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalIndex").finish_non_exhaustive()
    }
}

impl WalIndex {
    /// Maps the WAL-index of the database at `path`; `None` when the file is
    /// not in WAL mode or its shared memory cannot be had.
    pub fn open(path: &Path) -> Option<Self> {
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ok()?;
        let mode: String = connection
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .ok()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return None;
        }
        // A read transaction opens the WAL and its shared memory.
        connection
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .ok()?;
        let region = unsafe { first_region(&connection)? };
        let index = Self {
            _connection: Mutex::new(connection),
            header: region.cast(),
        };
        index.header().map(|_| index)
    }

    /// The header now; `None` while a writer is between its two copies or
    /// when the memory does not hold a header this can read.
    pub fn header(&self) -> Option<Header> {
        let at = self.header.as_ptr().cast::<[u8; HEADER]>();
        // SAFETY: `at` and `at + 1` lie in the mapped first region (32 KiB),
        // valid while `self` is; volatile because other processes write it.
        let first = unsafe { at.read_volatile() };
        fence(Ordering::Acquire);
        let second = unsafe { at.add(1).read_volatile() };
        let version = u32::from_ne_bytes([first[0], first[1], first[2], first[3]]);
        let initialised = first[12] != 0;
        (first == second && version == VERSION && initialised).then_some(Header(first))
    }
}

/// SQLite's own mapping of the first shared-memory region of `connection`'s
/// main database, or `None`.
///
/// # Safety
/// `connection` must have read the database in WAL mode (so its shared
/// memory is open) and must not be used by another thread meanwhile.
unsafe fn first_region(connection: &Connection) -> Option<NonNull<u8>> {
    let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
    let found = ffi::sqlite3_file_control(
        connection.handle(),
        c"main".as_ptr(),
        ffi::SQLITE_FCNTL_FILE_POINTER,
        (&mut file as *mut *mut ffi::sqlite3_file).cast(),
    );
    if found != ffi::SQLITE_OK || file.is_null() || (*file).pMethods.is_null() {
        return None;
    }
    let methods = &*(*file).pMethods;
    // xShmMap exists from version 2 of the methods on.
    let map = if methods.iVersion >= 2 {
        methods.xShmMap?
    } else {
        return None;
    };
    let mut region: *mut std::ffi::c_void = std::ptr::null_mut();
    // Region 0, not extended: already there once the connection has read.
    if map(file, 0, REGION, 0, &mut region) != ffi::SQLITE_OK {
        return None;
    }
    NonNull::new(region.cast())
}

/// A value read from the database, kept beside the header that was current
/// all the while it was read: it is the database's answer for as long as
/// the header has not moved.
#[derive(Debug, Default)]
pub struct KeptRead<T> {
    kept: Mutex<Option<(Header, T)>>,
}

impl<T: Clone> KeptRead<T> {
    /// The kept value when nothing was committed since it was read.
    pub fn get(&self, now: Header) -> Option<T> {
        let kept = self.kept.lock().ok()?;
        kept.as_ref()
            .filter(|(at, _)| *at == now)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value`, read after the header was `before` and before it was
    /// `after`: only when the two are equal is it the database as of `before`.
    pub fn keep(&self, before: Header, after: Option<Header>, value: &T) {
        if after != Some(before) {
            return;
        }
        if let Ok(mut kept) = self.kept.lock() {
            *kept = Some((before, value.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(name: &str) -> (std::path::PathBuf, Connection) {
        let path = crate::db::scratch_database(&format!("wal-{name}"));
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER);")
            .unwrap();
        (path, writer)
    }

    #[test]
    fn every_commit_moves_the_header_and_reads_do_not() {
        let (path, writer) = database("commits");
        let index = WalIndex::open(&path).expect("a WAL file's index maps");
        let start = index.header().unwrap();
        writer
            .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
            .unwrap();
        assert_eq!(index.header(), Some(start), "a read commits nothing");
        let mut seen = vec![start];
        for v in 0..3 {
            writer.execute("INSERT INTO t VALUES (?1)", [v]).unwrap();
            let now = index.header().unwrap();
            assert!(!seen.contains(&now), "commit {v} gave a header seen before");
            seen.push(now);
        }
        // A checkpoint that empties the WAL, then a write that restarts it
        // from frame 0: still a header never seen.
        writer
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        writer.execute("INSERT INTO t VALUES (9)", []).unwrap();
        assert!(!seen.contains(&index.header().unwrap()));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_file_not_in_wal_mode_has_no_index_to_watch() {
        let path = crate::db::scratch_database("wal-none");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (v INTEGER);")
            .unwrap();
        assert!(WalIndex::open(&path).is_none());
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_value_is_kept_only_when_read_under_one_header() {
        let (path, writer) = database("kept");
        let index = WalIndex::open(&path).unwrap();
        let kept = KeptRead::<i64>::default();
        let before = index.header().unwrap();
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        kept.keep(before, index.header(), &1);
        assert_eq!(kept.get(before), None, "a commit during the read: not kept");
        let now = index.header().unwrap();
        kept.keep(now, index.header(), &2);
        assert_eq!(kept.get(now), Some(2));
        writer.execute("INSERT INTO t VALUES (2)", []).unwrap();
        assert_eq!(kept.get(index.header().unwrap()), None, "moved on");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
