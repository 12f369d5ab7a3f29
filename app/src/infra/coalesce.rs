//! Background work that a burst of requests asks for but one run covers: a
//! new CRL after revocations, the delivery of queued mail. Fifty revocations
//! a second used to start fifty CRL signings and fifty delivery loops, all
//! racing for SQLite's write lock and the same two cores as the argon2
//! verifications that bound 実行; now at most one run per kind is under way
//! in a process, and one more follows it when asked for meanwhile, so that
//! whatever committed before the asking is covered.

use std::future::Future;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

const IDLE: u8 = 0;
const RUNNING: u8 = 1;
const RUNNING_AND_ASKED: u8 = 2;

/// One kind of background run: idle, running, or running and asked again.
#[derive(Debug, Default)]
pub struct Coalesced {
    state: AtomicU8,
}

impl Coalesced {
    /// Asks for a run; true when the caller must start it (none under way).
    fn ask(&self) -> bool {
        let previous = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                Some(if s == IDLE {
                    RUNNING
                } else {
                    RUNNING_AND_ASKED
                })
            })
            .unwrap_or(IDLE);
        previous == IDLE
    }

    /// Called after each run: true when it must run once more.
    fn finished(&self) -> bool {
        let previous = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                Some(if s == RUNNING_AND_ASKED {
                    RUNNING
                } else {
                    IDLE
                })
            })
            .unwrap_or(IDLE);
        previous == RUNNING_AND_ASKED
    }
}

/// The runs kanri starts in the background.
#[derive(Debug, Default)]
pub struct BackgroundRuns {
    pub crl: Arc<Coalesced>,
    pub mail: Arc<Coalesced>,
}

/// Frees the flag if a run panics, so that the next ask starts a new one.
struct Reset(Arc<Coalesced>);

impl Drop for Reset {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.state.store(IDLE, Ordering::Release);
        }
    }
}

/// Starts `run` on the runtime unless one is under way; then that one runs
/// again after it ends.
pub fn spawn<F, Fut>(flag: &Arc<Coalesced>, run: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    if !flag.ask() {
        return;
    }
    let reset = Reset(flag.clone());
    tokio::spawn(async move {
        loop {
            run().await;
            if !reset.0.finished() {
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_run_at_a_time_and_one_more_when_asked_meanwhile() {
        let flag = Coalesced::default();
        assert!(flag.ask(), "idle: the caller starts it");
        assert!(!flag.ask(), "under way: no second run");
        assert!(!flag.ask(), "asked twice meanwhile: still one more run");
        assert!(flag.finished(), "asked meanwhile: run again");
        assert!(!flag.finished(), "nobody asked during the second run");
        assert!(flag.ask(), "idle again");
        assert!(!flag.finished());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_asks_runs_few_times_and_the_last_ask_is_covered() {
        use std::sync::atomic::AtomicUsize;
        let flag = Arc::new(Coalesced::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let asked = Arc::new(AtomicUsize::new(0));
        let seen_at_last_start = Arc::new(AtomicUsize::new(0));
        for _ in 0..100 {
            asked.fetch_add(1, Ordering::SeqCst);
            let (runs, asked, seen) = (runs.clone(), asked.clone(), seen_at_last_start.clone());
            spawn(&flag, move || {
                let (runs, asked, seen) = (runs.clone(), asked.clone(), seen.clone());
                async move {
                    seen.store(asked.load(Ordering::SeqCst), Ordering::SeqCst);
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            });
        }
        for _ in 0..200 {
            if flag.state.load(Ordering::SeqCst) == IDLE {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(flag.state.load(Ordering::SeqCst), IDLE);
        assert!(runs.load(Ordering::SeqCst) <= 2, "100 asks, at most 2 runs");
        assert_eq!(
            seen_at_last_start.load(Ordering::SeqCst),
            100,
            "the last run started after the last ask"
        );
    }
}
