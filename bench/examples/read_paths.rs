//! The experiment behind the list read's shape (bench/NOTES.md): the same
//! 100-user list read by several access paths, 32 concurrent tasks and then
//! one, no HTTP, in one process run so that the figures compare.
//!
//!     cargo run --release -p kanri-bench --example read_paths
//!     ONLY="one JSON row" cargo run --release -p kanri-bench --example read_paths
//!
//! Numbers only; it asserts nothing about kanri beyond the row count.
use kanri_app::db::{users, Db};
use kanri_bench::fixtures;
use kanri_bench::measures::reads;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::Row;
use std::str::FromStr;
// The same allocator as kanri-server, so that the figures compare.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Users in the listed contract; every variant must return them all.
const ROWS: usize = 100;

const LIST: &str = "SELECT u.id, u.login_id, u.name, u.role, c.serial, c.state, c.not_after, c.revoked_at \
 FROM users u LEFT JOIN certificates c ON c.id = (SELECT c2.id FROM certificates c2 WHERE c2.user_id = u.id \
 ORDER BY c2.not_before DESC, c2.id DESC LIMIT 1) WHERE u.contract_id = $1 ORDER BY u.login_id";

const LIST_JSON: &str = "SELECT json_group_array(json_array(id, login_id, name, role, serial, state, not_after, revoked_at)) FROM ( \
 SELECT u.id, u.login_id, u.name, u.role, c.serial, c.state, c.not_after, c.revoked_at \
 FROM users u LEFT JOIN certificates c ON c.id = (SELECT c2.id FROM certificates c2 WHERE c2.user_id = u.id \
 ORDER BY c2.not_before DESC, c2.id DESC LIMIT 1) WHERE u.contract_id = $1 ORDER BY u.login_id)";

/// Decodes two columns of every row, as a page would, and counts the rows
/// (a macro because the `Any` and native rows are different types).
macro_rules! decode_rows {
    ($rows:expr) => {
        $rows
            .iter()
            .map(|r| {
                let _: String = r.get("login_id");
                let _: Option<String> = r.get("serial");
            })
            .count()
    };
}

/// The number of users in a JSON list, after decoding it.
fn json_len(json: &str) -> usize {
    serde_json::from_str::<Vec<serde_json::Value>>(json)
        .unwrap()
        .len()
}

/// Reads per second with 32 tasks, then with one, through the bench's own
/// loop (`kanri_bench::measures::reads::per_second`); `f` returns the rows it
/// read, which must be all of them.
async fn rate<F, Fut>(name: &str, secs: u64, f: F)
where
    F: Fn() -> Fut + Send + 'static + Clone,
    Fut: std::future::Future<Output = usize> + Send,
{
    if let Ok(only) = std::env::var("ONLY") {
        if !name.contains(&only) {
            return;
        }
    }
    for tasks in [32, 1] {
        let read = f.clone();
        let per_second = reads::per_second(tasks, secs, move || {
            let rows = read();
            async move { assert_eq!(rows.await, ROWS) }
        })
        .await;
        println!("{name} [{tasks} tasks]: {per_second:.0}/s");
    }
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("ceiling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("kanri.db").display());
    let db = Db::connect(&url, 8).await.unwrap();
    db.migrate().await.unwrap();
    sqlx::query("INSERT INTO contracts (code, name, branch, created_at) VALUES ('A001', 'x', 'y', '2026-01-01T00:00:00.000000Z')")
        .execute(db.pool()).await.unwrap();
    fixtures::add_users(&mut fixtures::open(&dir).await, "A001", "user", ROWS as i64).await;
    let secs = 4;
    through_any(&db, secs).await;
    through_native_pool(&url, secs).await;
    without_the_list(&db, secs).await;
    std::fs::remove_dir_all(&dir).ok();
}

/// The list through kanri's `Any` pool: kanri's own read, then its query
/// as 100 rows and as one JSON row.
async fn through_any(db: &Db, secs: u64) {
    let d = db.clone();
    rate(
        "kanri's list_with_certificates (one JSON row through Any)",
        secs,
        move || {
            let d = d.clone();
            async move { users::list_with_certificates(&d, 1).await.unwrap().len() }
        },
    )
    .await;

    let d = db.clone();
    rate("Any, 100 rows", secs, move || {
        let d = d.clone();
        async move {
            let rows = sqlx::query(LIST)
                .bind(1i64)
                .fetch_all(d.pool())
                .await
                .unwrap();
            decode_rows!(rows)
        }
    })
    .await;

    let d = db.clone();
    rate("Any, one JSON row", secs, move || {
        let d = d.clone();
        async move {
            let s: String = sqlx::query(LIST_JSON)
                .bind(1i64)
                .fetch_one(d.pool())
                .await
                .unwrap()
                .get(0);
            json_len(&s)
        }
    })
    .await;
}

/// The same two queries through a native `SqlitePool` of the same size.
async fn through_native_pool(url: &str, secs: u64) {
    let native = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(SqliteConnectOptions::from_str(url).unwrap())
        .await
        .unwrap();
    let p = native.clone();
    rate("native SqlitePool, 100 rows", secs, move || {
        let p = p.clone();
        async move {
            let rows = sqlx::query(LIST).bind(1i64).fetch_all(&p).await.unwrap();
            decode_rows!(rows)
        }
    })
    .await;
    let p = native.clone();
    rate("native SqlitePool, one JSON row", secs, move || {
        let p = p.clone();
        async move {
            let s: String = sqlx::query(LIST_JSON)
                .bind(1i64)
                .fetch_one(&p)
                .await
                .unwrap()
                .get(0);
            json_len(&s)
        }
    })
    .await;
}

/// Lower bounds: the users without their certificates, and one round trip.
async fn without_the_list(db: &Db, secs: u64) {
    let d = db.clone();
    rate("Any, users only as one JSON row (no certificate join)", secs, move || {
        let d = d.clone();
        async move {
            let s: String = sqlx::query("SELECT json_group_array(json_array(id, login_id, name, role)) FROM (SELECT id, login_id, name, role FROM users WHERE contract_id = $1 ORDER BY login_id)").bind(1i64).fetch_one(d.pool()).await.unwrap().get(0);
            json_len(&s)
        }
    })
    .await;
    let d = db.clone();
    rate("Any, SELECT 1 (one round trip)", secs, move || {
        let d = d.clone();
        async move {
            let _: i64 = sqlx::query("SELECT 1")
                .fetch_one(d.pool())
                .await
                .unwrap()
                .get(0);
            ROWS
        }
    })
    .await;
}
