//! Reads per second through kanri's own database layer, in this process: no
//! HTTP, no session, no rendering. They bound what any page needing those
//! reads can reach.

use crate::fixtures::LIST_USERS;
use crate::repeat::count_until;
use kanri_app::db::{users, Db};
use sqlx::Row;
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

/// Tasks reading at once, as wrk's 32 connections ask the server.
pub const TASKS: usize = 32;
/// kanri's default pool size.
pub const POOL: u32 = 8;

#[derive(Clone, Copy, Debug)]
pub struct DatabaseReads {
    /// One round trip (`SELECT 1`) per second.
    pub round_trips: f64,
    /// A001's 100-user list read (`users::list_with_certificates`) per second.
    pub list_reads: f64,
}

/// How many times per second `tasks` concurrent tasks complete `read`, over
/// `seconds`. Also the loop of `examples/read_paths.rs`, so that its figures
/// and the report's compare.
pub async fn per_second<F, Fut>(tasks: usize, seconds: u64, read: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let until = Instant::now() + Duration::from_secs(seconds);
    let done = count_until(tasks, until, move |_| {
        let reading = read();
        async move {
            reading.await;
            true
        }
    })
    .await;
    done as f64 / seconds as f64
}

/// Round trips and list reads on the database in `dir`, 32 tasks on a pool of
/// 8, with the server stopped.
pub async fn measure(dir: &Path, seconds: u64) -> DatabaseReads {
    let db = Db::connect(
        &format!("sqlite://{}", dir.join("kanri.db").display()),
        POOL,
    )
    .await
    .unwrap();
    let contract: i64 = sqlx::query("SELECT id FROM contracts WHERE code = 'A001'")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    let pool = db.clone();
    let round_trips = per_second(TASKS, seconds, move || {
        let pool = pool.clone();
        async move {
            sqlx::query("SELECT 1").execute(pool.pool()).await.unwrap();
        }
    })
    .await;
    let list_db = db.clone();
    let list_reads = per_second(TASKS, seconds, move || {
        let db = list_db.clone();
        async move {
            let listed = users::list_with_certificates(&db, contract).await.unwrap();
            assert_eq!(listed.len(), LIST_USERS);
        }
    })
    .await;
    db.close().await;
    DatabaseReads {
        round_trips,
        list_reads,
    }
}
