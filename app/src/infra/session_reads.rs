//! The session read of every request (a session, its user, the user's
//! contract and certificate) from memory, validated by the change counter
//! (`db::change_counter`) instead of read again.
//!
//! A kept row is used only when the counter, read after the request
//! arrived, still has the value the row was read beside: then nothing the
//! row is made of has been written since, on any instance (every write to
//! those tables bumps the counter in its own transaction, by triggers), and
//! the row is what a read would return now. So a page never shows a state
//! older than the last committed write its request could have seen: a
//! logout, a lock, a revocation on another instance stops the next request
//! here as before. Any write clears every kept row; kanri's writes are few
//! beside its page reads, and the first request after one reads its row as
//! before.
//!
//! What the request makes of the row (the session's JSON, parsed) is kept
//! with it.
//!
//! Reading the counter is the cheap part: on an SQLite file on the request's
//! own thread; on PostgreSQL once for all requests waiting at that moment
//! ([`ChangeReads`]): one round trip serves a burst, where each request
//! used to make its own.

use crate::db::change_counter;
use crate::db::users::{self, SessionRow};
use crate::db::{Backend, Db};
use crate::domain::Timestamp;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Kept rows at most; past that the memory is cleared (a session not kept
/// is read as before).
const KEPT: usize = 10_000;

/// Sessions kept with `T`, what the request makes of their row.
#[derive(Debug)]
pub struct SessionReads<T> {
    kept: Mutex<Kept<T>>,
    changes: Arc<ChangeReads>,
}

impl<T> Default for SessionReads<T> {
    fn default() -> Self {
        Self {
            kept: Mutex::new(Kept {
                changes: 0,
                rows: HashMap::new(),
            }),
            changes: Arc::default(),
        }
    }
}

/// A session's row and what the request made of it.
#[derive(Debug)]
pub struct KeptSession<T> {
    pub row: SessionRow,
    pub decoded: T,
}

#[derive(Debug)]
struct Kept<T> {
    /// The counter value every kept row was read beside.
    changes: i64,
    rows: HashMap<String, Arc<KeptSession<T>>>,
}

impl<T> SessionReads<T> {
    /// The session `id`'s row if it exists and has not expired at `now`,
    /// with `decode`'s result (run once per row read). `changes_at_arrival`:
    /// the counter as read after the request arrived, if it was.
    pub async fn find(
        &self,
        db: &Db,
        id: &str,
        now: Timestamp,
        changes_at_arrival: Option<i64>,
        decode: impl FnOnce(&SessionRow) -> T,
    ) -> Result<Option<Arc<KeptSession<T>>>, sqlx::Error> {
        // A failed counter read is not the request's answer: the row's own
        // read below reports a real fault.
        let changes = match changes_at_arrival {
            Some(changes) => Some(changes),
            None => self.changes_now(db).await,
        };
        if let Some(changes) = changes {
            if let Some(kept) = self.kept(id, changes) {
                let live = kept.row.expires_at.as_str() > now.to_db().as_str();
                return Ok(live.then_some(kept));
            }
        }
        let Some(row) = users::find_by_session(db, id, now).await? else {
            return Ok(None);
        };
        let decoded = decode(&row);
        let kept = Arc::new(KeptSession { row, decoded });
        self.keep(id, &kept);
        Ok(Some(kept))
    }

    /// The change counter, read after this call began (`None` when it
    /// could not be read). A request that read it on arrival passes it to
    /// [`find`](Self::find) instead of waiting for it there.
    pub async fn changes_now(&self, db: &Db) -> Option<i64> {
        self.changes.read(db).await
    }

    /// The row kept for `id`, if the counter still is `changes`. A newer
    /// counter clears every row: each was read before the write it moved for.
    fn kept(&self, id: &str, changes: i64) -> Option<Arc<KeptSession<T>>> {
        let mut kept = self.kept.lock().ok()?;
        if changes > kept.changes {
            kept.rows.clear();
            kept.changes = changes;
        }
        // Older than the memory (another request's newer read came first):
        // the row is read as before.
        (changes == kept.changes)
            .then(|| kept.rows.get(id).cloned())
            .flatten()
    }

    /// Keeps a row read beside the counter value `row.changes`, unless the
    /// memory already moved past it (a row read before a write must not
    /// join rows read after it).
    fn keep(&self, id: &str, session: &Arc<KeptSession<T>>) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        let changes = session.row.changes;
        if changes > kept.changes {
            kept.rows.clear();
            kept.changes = changes;
        }
        if changes == kept.changes {
            if kept.rows.len() >= KEPT {
                kept.rows.clear();
            }
            kept.rows.insert(id.to_owned(), Arc::clone(session));
        }
    }
}

/// Turns the counter's reader gives to other tasks before each read.
const BATCHING_YIELDS: usize = 3;

/// Reads of the change counter, one for every request waiting at the moment
/// it is sent. A request waits for a read that starts after it arrived, so
/// the value it gets is at least as new as any commit before its arrival.
#[derive(Debug, Default)]
struct ChangeReads {
    waiting: Mutex<Vec<oneshot::Sender<Option<i64>>>>,
    /// A task is sending reads for the waiting requests.
    reading: AtomicBool,
    connection: change_counter::CounterConnection,
}

impl ChangeReads {
    /// The counter, read after this call began; `None` when it could not be read.
    async fn read(self: &Arc<Self>, db: &Db) -> Option<i64> {
        // An SQLite file answers on this thread faster than any hand-off.
        if let Some(changes) = change_counter::read_here(db) {
            return Some(changes);
        }
        let (sender, receiver) = oneshot::channel();
        self.waiting.lock().ok()?.push(sender);
        if !self.reading.swap(true, Ordering::SeqCst) {
            let reads = Arc::clone(self);
            let db = db.clone();
            tokio::spawn(async move { reads.serve(&db).await });
        }
        receiver.await.ok().flatten()
    }

    /// Reads the counter for whoever is waiting, until no one is.
    async fn serve(&self, db: &Db) {
        loop {
            // Requests already runnable on a busy server reach their wait
            // first: one read then serves nearly all of them (PostgreSQL,
            // wrk on 作業内容選択: 0.16 reads per request without this, 0.03
            // with it). A server with nothing else to run goes on at once.
            for _ in 0..BATCHING_YIELDS {
                tokio::task::yield_now().await;
            }
            let batch = match self.waiting.lock() {
                Ok(mut waiting) => std::mem::take(&mut *waiting),
                Err(_) => Vec::new(),
            };
            if batch.is_empty() {
                self.reading.store(false, Ordering::SeqCst);
                // A request that queued after the take but saw `reading` still
                // set counts on this task: serve it, unless it started another.
                let queued = self.waiting.lock().map(|w| !w.is_empty()).unwrap_or(false);
                if !queued || self.reading.swap(true, Ordering::SeqCst) {
                    return;
                }
                continue;
            }
            // Sent after every request of the batch arrived. A connection
            // that failed is replaced by the pool's, which reconnects.
            // (SQLite comes here only when its reader could not answer
            // at once: the pool's connections wait for the writer.)
            let own = match db.backend() {
                Backend::Postgres => self.connection.read(db).await.ok(),
                Backend::Sqlite => None,
            };
            let changes = match own {
                Some(changes) => Some(changes),
                None => change_counter::read_through_pool(db).await.ok(),
            };
            for sender in batch {
                let _ = sender.send(changes);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::users::UserRecord;

    fn row(changes: i64, expires_at: &str) -> Arc<KeptSession<()>> {
        let user: UserRecord = crate::db::users::test_user();
        let row = SessionRow {
            data: "{}".into(),
            expires_at: expires_at.into(),
            changes,
            user,
        };
        Arc::new(KeptSession { row, decoded: () })
    }

    #[test]
    fn a_row_is_used_only_while_the_counter_has_not_moved() {
        let reads = SessionReads::<()>::default();
        reads.keep("a", &row(5, "9999"));
        assert!(reads.kept("a", 5).is_some());
        assert!(reads.kept("b", 5).is_none(), "another session is not kept");
        assert!(reads.kept("a", 6).is_none(), "a write since the read");
        assert!(reads.kept("a", 6).is_none(), "cleared, not kept for later");
    }

    #[test]
    fn a_row_read_before_the_last_write_seen_is_not_kept() {
        let reads = SessionReads::<()>::default();
        assert!(reads.kept("x", 7).is_none());
        reads.keep("a", &row(6, "9999"));
        assert!(reads.kept("a", 7).is_none());
        reads.keep("b", &row(7, "9999"));
        assert!(reads.kept("a", 6).is_none(), "the memory never goes back");
        assert!(
            reads.kept("b", 7).is_some(),
            "an older counter clears nothing"
        );
    }

    #[test]
    fn a_newer_row_clears_the_older_ones() {
        let reads = SessionReads::<()>::default();
        reads.keep("a", &row(1, "9999"));
        reads.keep("b", &row(2, "9999"));
        assert!(reads.kept("b", 2).is_some());
        assert!(reads.kept("a", 2).is_none());
    }
}
