//! The 40-day expiry scan, as the mail job runs it: the candidate query and
//! queueing every notice, in one transaction.

use crate::server::in_process;
use kanri_app::use_cases::mail_notices::scan_expiring;
use std::path::Path;
use std::time::Instant;

#[derive(Clone, Copy, Debug)]
pub struct ExpiryScan {
    pub seconds: f64,
    /// Notices queued.
    pub queued: usize,
}

/// Scans the database in `dir` in this process. Run it before the server
/// starts on that database: the server's mail job would queue the notices
/// at start.
pub async fn measure(dir: &Path) -> ExpiryScan {
    let state = in_process(dir).await;
    let started = Instant::now();
    let queued = scan_expiring(&state, state.clock.now()).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    state.db.close().await;
    ExpiryScan { seconds, queued }
}
