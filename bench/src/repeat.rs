//! The same operation in many concurrent tasks, again and again until a
//! deadline, counted. argon2's rate, the database reads (here and in
//! `examples/read_paths.rs`) and the login flood are all this loop.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::task::JoinHandle;

/// Tasks repeating an operation, running in the background.
pub struct Repeat {
    counted: Arc<AtomicUsize>,
    tasks: Vec<JoinHandle<()>>,
}

impl Repeat {
    /// Spawns `tasks` tasks; task `i` runs `op(i)` until `until` and counts
    /// each run whose future yields `true`.
    pub fn spawn<F, Fut>(tasks: usize, until: Instant, op: F) -> Repeat
    where
        F: Fn(usize) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = bool> + Send,
    {
        let counted = Arc::new(AtomicUsize::new(0));
        let tasks = (0..tasks)
            .map(|task| {
                let (op, counted) = (op.clone(), counted.clone());
                tokio::spawn(async move {
                    while Instant::now() < until {
                        if op(task).await {
                            counted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        Repeat { counted, tasks }
    }

    /// The runs counted so far.
    pub fn so_far(&self) -> usize {
        self.counted.load(Ordering::Relaxed)
    }

    /// Waits for every task to pass the deadline; the runs counted in all.
    pub async fn join(self) -> usize {
        let Repeat { counted, tasks } = self;
        for task in tasks {
            task.await.unwrap();
        }
        counted.load(Ordering::Relaxed)
    }
}

/// [`Repeat::spawn`], waiting for the count.
pub async fn count_until<F, Fut>(tasks: usize, until: Instant, op: F) -> usize
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    Repeat::spawn(tasks, until, op).join().await
}
