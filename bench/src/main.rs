//! kanri-bench: every measure of the benchmark issue in one process run, so
//! that ratios are taken side by side on the same machine at the same time.
//! Writes BENCHMARKS.md. Run it through `bench/run` (release builds).
//!
//! Load comes from wrk (a separate process, 2 threads, 32 connections);
//! memory from /proc; compression from the flate2 and brotli crates.

use kanri_app::server::password::{hash_blocking, HashCost, Password, PasswordHasher};
use sqlx::{Connection, Executor, Row, SqliteConnection};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "Login-Pass-01";
const CONFIRMATION: &str = "Kakunin-Pass-01";

struct Args {
    server: PathBuf,
    site_root: PathBuf,
    seconds: u64,
    out: PathBuf,
}

fn args() -> Args {
    let mut a = Args {
        server: "target/release/kanri-server".into(),
        site_root: "target/site".into(),
        seconds: 10,
        out: "BENCHMARKS.md".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => a.server = value.into(),
            "--site-root" => a.site_root = value.into(),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--out" => a.out = value.into(),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

// ---------------------------------------------------------------------------
// The server under test.

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    async fn start(args: &Args, dir: &Path, extra: &[(&str, String)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let mut cmd = Command::new(&args.server);
        cmd.args(["serve", "--demo"])
            .env("KANRI_DATA_DIR", dir)
            .env_remove("DATABASE_URL")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", &args.site_root)
            .env("LEPTOS_OUTPUT_NAME", "kanri")
            .env("RUST_LOG", "warn")
            .env("KANRI_BENCH_ROUTES", "1")
            // The load comes from one address and a few accounts on purpose.
            .env("KANRI_ATTEMPTS_PER_CLIENT_PER_MINUTE", "100000000")
            .env("KANRI_ATTEMPTS_PER_ACCOUNT_PER_MINUTE", "100000000")
            .env("KANRI_MAIL_INTERVAL_MINUTES", "100000")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log));
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start kanri-server");
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(res) = reqwest::get(server.url("/readyz")).await {
                if res.status() == 200 {
                    return server;
                }
            }
            assert!(Instant::now() < deadline, "kanri-server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// (current RSS, peak RSS) in KiB.
    fn rss(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Logs in and returns the `Cookie` header value.
async fn login(server: &Server, login_id: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = http
        .post(server.url("/api/login"))
        .header("accept", "text/html")
        .form(&[("login_id", login_id), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers().get("location").map(|l| l.to_str().unwrap()),
        Some("/"),
        "login {login_id}"
    );
    let set = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

// ---------------------------------------------------------------------------
// wrk

#[derive(Clone, Copy, Debug, Default)]
struct Load {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
}

fn wrk(url: &str, cookie: Option<&str>, seconds: u64) -> Load {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{seconds}s"), "--latency"]);
    if let Some(cookie) = cookie {
        cmd.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let out = cmd.arg(url).output().expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let ms = |token: &str| -> f64 {
        let (num, unit) = token.split_at(
            token
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(token.len()),
        );
        let n: f64 = num.parse().unwrap_or(f64::NAN);
        match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            _ => f64::NAN,
        }
    };
    let mut load = Load::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => load.rps = v.parse().unwrap_or(0.0),
            ["50%", v] => load.p50_ms = ms(v),
            ["99%", v] => load.p99_ms = ms(v),
            ["Non-2xx", "or", "3xx", "responses:", v] => load.non_2xx = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    assert!(load.rps > 0.0, "wrk printed no figures for {url}:\n{text}");
    load
}

// ---------------------------------------------------------------------------
// Data

async fn open(dir: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", dir.join("kanri.db").display()))
        .await
        .unwrap()
}

/// Adds `count` general users with one issued certificate each to a contract,
/// by recursive CTE (one statement each, not one per row).
async fn add_users(db: &mut SqliteConnection, contract: &str, prefix: &str, count: i64) {
    let contract_id: i64 = sqlx::query("SELECT id FROM contracts WHERE code = ?1")
        .bind(contract)
        .fetch_one(&mut *db)
        .await
        .unwrap()
        .get(0);
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?3) \
         INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
         SELECT ?1, ?2 || printf('%06d', i), '利用者 ' || i, 'general', ?2 || i || '@example.jp', 'x', 'y', \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now') FROM n",
    )
    .bind(contract_id)
    .bind(prefix)
    .bind(count)
    .execute(&mut *db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, not_after, state) \
         SELECT u.id, printf('%016x%016x', u.id, abs(random())), 'o', 'ou', u.login_id, \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-' || (u.id % 300) || ' days'), \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '+' || (365 - u.id % 300) || ' days'), 'issued' \
         FROM users u WHERE u.contract_id = ?1 AND u.login_id LIKE ?2 || '%'",
    )
    .bind(contract_id)
    .bind(prefix)
    .execute(&mut *db)
    .await
    .unwrap();
}

/// A contract with a master whose passwords are the demo ones (real hashes).
async fn add_contract_with_master(db: &mut SqliteConnection, code: &str, master: &str) {
    sqlx::query("INSERT INTO contracts (code, name, branch, created_at) VALUES (?1, 'ベンチ株式会社', '本店', '2026-01-01T00:00:00.000000Z')")
        .bind(code)
        .execute(&mut *db)
        .await
        .unwrap();
    let login = hash_blocking(HashCost::OWASP, PASSWORD).unwrap();
    let confirmation = hash_blocking(HashCost::OWASP, CONFIRMATION).unwrap();
    sqlx::query(
        "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
         SELECT id, ?2, 'ベンチ 太郎', 'master', 'bench@example.jp', ?3, ?4, '2026-01-01T00:00:00.000000Z' FROM contracts WHERE code = ?1",
    )
    .bind(code)
    .bind(master)
    .bind(login.as_db())
    .bind(confirmation.as_db())
    .execute(&mut *db)
    .await
    .unwrap();
}

/// The scale database: 10,000 contracts, 100,000 users, 1,000,000
/// certificate rows (ten per user: nine superseded or revoked, the newest
/// issued). A001 keeps exactly 100 users so its 利用者一覧 is the same page
/// as in the small database.
async fn build_scale_db(db: &mut SqliteConnection) {
    db.execute("PRAGMA synchronous = OFF").await.unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) \
         INSERT INTO contracts (code, name, branch, created_at) \
         SELECT 'S' || printf('%05d', i), '規模試験 ' || i, '本店', '2026-01-01T00:00:00.000000Z' FROM n",
    )
    .await
    .unwrap();
    // 99,900 users over the 9,999 other contracts (9,990 contracts of 10, so
    // 100,000 in all with A001's 100).
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 99900) \
         INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
         SELECT c.id, 'sc' || printf('%08d', n.i), '規模 ' || n.i, CASE WHEN n.i % 10 = 0 THEN 'master' ELSE 'general' END, \
                'sc' || n.i || '@example.jp', 'x', 'y', '2026-01-01T00:00:00.000000Z' \
         FROM n JOIN contracts c ON c.code = 'S' || printf('%05d', n.i / 10 + 1)",
    )
    .await
    .unwrap();
    // Ten certificates per user; older ones superseded (every third revoked).
    for k in 0..10i64 {
        // The newest certificates spread over 400 days of 有効期限, so about a
        // tenth fall in the 40-day window and some have expired.
        let spread = if k == 9 { 400 } else { 300 };
        let state = if k == 9 {
            "'issued'"
        } else {
            "CASE WHEN u.id % 3 = 0 THEN 'revoked' ELSE 'superseded' END"
        };
        let revoked = if k == 9 {
            "NULL, NULL"
        } else {
            "CASE WHEN u.id % 3 = 0 THEN '2025-01-01T00:00:00.000000Z' END, CASE WHEN u.id % 3 = 0 THEN 'bank-operator' END"
        };
        let sql = format!(
            "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, not_after, state, revoked_at, revoked_by) \
             SELECT u.id, printf('%08x%08x%016x', {k}, u.id, abs(random())), 'o', 'ou', u.login_id, \
                    strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-' || ({days_back} + u.id % {spread}) || ' days'), \
                    strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', printf('%+d days', 365 - {days_back} - u.id % {spread})), \
                    {state}, {revoked} \
             FROM users u WHERE u.login_id LIKE 'sc%' OR (u.login_id LIKE 'bulk%' AND {k} < 9)",
            days_back = (9 - k) * 365,
        );
        tx.execute(sql.as_str()).await.unwrap();
    }
    tx.commit().await.unwrap();
    db.execute("PRAGMA synchronous = FULL").await.unwrap();
    db.execute("ANALYZE").await.unwrap();
}

// ---------------------------------------------------------------------------
// Measures

fn compressed_sizes(bytes: &[u8]) -> (usize, usize) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    let gzip = gz.finish().unwrap().len();
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        w.write_all(bytes).unwrap();
    }
    (gzip, br.len())
}

/// argon2id verifications per second with kanri's parameters, through
/// kanri's own hasher (same concurrency cap as the server's default, 2).
async fn argon2_rate(seconds: u64) -> f64 {
    let hasher = PasswordHasher::new(HashCost::OWASP, 2).unwrap();
    let hash = hash_blocking(HashCost::OWASP, CONFIRMATION).unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (hasher, hash, count) = (hasher.clone(), hash.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                assert!(hasher
                    .verify(&Password::new(CONFIRMATION.into()), &hash)
                    .await
                    .unwrap());
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// 実行 per second: 8 sessions of the bench master, each revoking its own
/// targets (serials read from the database, as the confirmation screen
/// would carry them).
async fn revocation_rate(
    server: &Server,
    targets: Vec<(String, String)>,
    seconds: u64,
) -> (f64, usize) {
    let sessions = 8;
    let mut cookies = Vec::new();
    for _ in 0..sessions {
        cookies.push(login(server, "benchm01").await);
    }
    let per_session = targets.len() / sessions;
    let count = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, cookie) in cookies.into_iter().enumerate() {
        let mine: Vec<(String, String)> = targets[i * per_session..(i + 1) * per_session].to_vec();
        let (count, failures, url) = (
            count.clone(),
            failures.clone(),
            server.url("/api/revoke_certificate"),
        );
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            for (login_id, serial) in mine {
                if Instant::now() >= until {
                    break;
                }
                let res = http
                    .post(&url)
                    .header("accept", "text/html")
                    .header("cookie", &cookie)
                    .form(&[
                        ("login_id", login_id.as_str()),
                        ("serial", serial.as_str()),
                        ("confirmation_password", CONFIRMATION),
                    ])
                    .send()
                    .await
                    .unwrap();
                let ok = res
                    .headers()
                    .get("location")
                    .is_some_and(|l| l.to_str().unwrap().contains("/result"));
                if ok { &count } else { &failures }.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (
        count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64(),
        failures.load(Ordering::Relaxed),
    )
}

/// Reads per second through kanri's own database layer, in this process,
/// 32 tasks on a pool of kanri's default size (8), no HTTP and no rendering:
/// one round trip (`SELECT 1`) and A001's 100-user list read. They bound
/// what any page needing those reads can reach.
struct DatabaseReads {
    round_trips: f64,
    list_reads: f64,
}

async fn database_read_rates(dir: &Path, seconds: u64) -> DatabaseReads {
    use kanri_app::server::db::{users, Db};
    let db = Db::connect(&format!("sqlite://{}", dir.join("kanri.db").display()), 8)
        .await
        .unwrap();
    let contract: i64 = sqlx::query("SELECT id FROM contracts WHERE code = 'A001'")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    async fn rate<F, Fut>(seconds: u64, read: F) -> f64
    where
        F: Fn() -> Fut + Clone + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let done = Arc::new(AtomicUsize::new(0));
        let until = Instant::now() + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (read, done) = (read.clone(), done.clone());
                tokio::spawn(async move {
                    while Instant::now() < until {
                        read().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        done.load(Ordering::Relaxed) as f64 / seconds as f64
    }
    let pool = db.clone();
    let round_trips = rate(seconds, move || {
        let pool = pool.clone();
        async move {
            sqlx::query("SELECT 1").execute(pool.pool()).await.unwrap();
        }
    })
    .await;
    let list_db = db.clone();
    let list_reads = rate(seconds, move || {
        let db = list_db.clone();
        async move {
            let listed = users::list_with_certificates(&db, contract).await.unwrap();
            assert_eq!(listed.len(), 100);
        }
    })
    .await;
    db.close().await;
    DatabaseReads {
        round_trips,
        list_reads,
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
                    / 1024
                    / 1024
            })
        })
        .unwrap_or(0);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem} GiB memory, {rustc}")
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let s = args.seconds;
    let work = std::env::temp_dir().join(format!("kanri-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let mut md = String::new();
    let started = chrono::Utc::now();
    eprintln!(
        "kanri-bench: {s} s per load measure, working in {}",
        work.display()
    );

    // 1. Bytes to the browser.
    eprintln!("[1/6] bytes to the browser");
    let mut bytes_rows = String::new();
    let (mut raw_total, mut gz_total, mut br_total) = (0, 0, 0);
    for file in ["kanri.js", "kanri.wasm", "kanri.css"] {
        let path = args.site_root.join("pkg").join(file);
        let data = std::fs::read(&path).unwrap_or_else(|e| {
            panic!("{}: {e} (run cargo leptos build --release)", path.display())
        });
        let (gz, br) = compressed_sizes(&data);
        raw_total += data.len();
        gz_total += gz;
        br_total += br;
        writeln!(
            bytes_rows,
            "| `/pkg/{file}` | {} | {} | {} |",
            data.len(),
            gz,
            br
        )
        .unwrap();
    }

    // 2. argon2 on this machine.
    eprintln!("[2/6] argon2id verifications");
    let argon2 = argon2_rate(s).await;

    // 3. Small database: 10 contracts × 100 users (1,000 users), plus the
    //    revocation targets in their own contract.
    eprintln!("[3/6] small database (1,000 users)");
    let small = work.join("small");
    std::fs::create_dir_all(&small).unwrap();
    let server = Server::start(&args, &small, &[]).await;
    let (idle_rss, _) = server.rss();
    {
        let mut db = open(&small).await;
        add_users(&mut db, "A001", "bulk", 93).await;
        add_users(&mut db, "B002", "bulkb", 98).await;
        for c in 3..=10 {
            let code = format!("C{c:03}");
            add_contract_with_master(&mut db, &code, &format!("master{c:03}")).await;
            add_users(&mut db, &code, &format!("c{c:03}u"), 99).await;
        }
        add_contract_with_master(&mut db, "R001", "benchm01").await;
        add_users(&mut db, "R001", "rv", 8000).await;
    }
    let cookie = login(&server, "master01").await;
    let list_body = reqwest::Client::new()
        .get(server.url("/kanri/users/revoke"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        list_body.matches("<tr").count() - 1,
        100,
        "the list page shows 100 users"
    );
    let bare_file = work.join("list-page.html");
    std::fs::write(&bare_file, &list_body).unwrap();
    server.stop();
    let server = Server::start(
        &args,
        &small,
        &[("KANRI_BENCH_BARE_FILE", bare_file.display().to_string())],
    )
    .await;
    let cookie = login(&server, "master01").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (idle_rss_after_login, _) = server.rss();
    eprintln!("      wrk: list, minimal Leptos page, bare axum");
    let list = wrk(&server.url("/kanri/users/revoke"), Some(&cookie), s);
    let (_, peak_rss_list) = server.rss();
    let menu = wrk(&server.url("/kanri/users"), Some(&cookie), s);
    let minimal = wrk(&server.url("/bench/minimal"), None, s);
    let bare = wrk(&server.url("/bench/bare"), None, s);
    let (_, peak_rss_all) = server.rss();

    // The list page again, while 32 clients flood the login with wrong
    // passwords (each an argon2id verification; the attempt limits are off
    // here, so every one reaches argon2): logins must queue behind the hash
    // cap without starving the pages or growing the memory.
    eprintln!("      wrk: list page during a login flood");
    let flood_count = Arc::new(AtomicUsize::new(0));
    let flood_until = Instant::now() + Duration::from_secs(s + 2);
    let mut flood = Vec::new();
    for i in 0..32 {
        let (count, url) = (flood_count.clone(), server.url("/api/login"));
        flood.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            while Instant::now() < flood_until {
                let id = format!("flood{:04}", i);
                let sent = http
                    .post(&url)
                    .header("accept", "text/html")
                    .form(&[("login_id", id.as_str()), ("password", "Wrong-Pass-99")])
                    .send()
                    .await;
                if sent.is_ok() {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let flood_started = Instant::now();
    let count_at_start = flood_count.load(Ordering::Relaxed);
    let list_during_flood = wrk(&server.url("/kanri/users/revoke"), Some(&cookie), s);
    let logins_per_second = (flood_count.load(Ordering::Relaxed) - count_at_start) as f64
        / flood_started.elapsed().as_secs_f64();
    for f in flood {
        f.await.unwrap();
    }
    let (_, peak_rss_flood) = server.rss();

    // 4. Revocations.
    eprintln!("[4/6] revocations with 8 sessions");
    let targets: Vec<(String, String)> = {
        let mut db = open(&small).await;
        sqlx::query(
            "SELECT u.login_id, c.serial FROM users u JOIN certificates c ON c.user_id = u.id \
             WHERE u.login_id LIKE 'rv%' AND c.state = 'issued' ORDER BY u.id",
        )
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    };
    let (revocations, revocation_failures) = revocation_rate(&server, targets, s).await;
    server.stop();
    eprintln!("      database reads alone, in process");
    let reads = database_read_rates(&small, s).await;

    // 5. Scale database.
    eprintln!("[5/6] scale database (100,000 users, 1,000,000 certificates)");
    let big = work.join("big");
    std::fs::create_dir_all(&big).unwrap();
    let server = Server::start(&args, &big, &[]).await;
    server.stop();
    let build_started = Instant::now();
    {
        let mut db = open(&big).await;
        add_users(&mut db, "A001", "bulk", 93).await;
        build_scale_db(&mut db).await;
    }
    let build_seconds = build_started.elapsed().as_secs_f64();
    let (users, certs): (i64, i64) = {
        let mut db = open(&big).await;
        let u = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get(0);
        let c = sqlx::query("SELECT COUNT(*) FROM certificates")
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get(0);
        (u, c)
    };
    // Before the server starts: its mail job would queue them at start.
    // The 40-day expiry scan, as the job runs it (query + queueing, one transaction).
    let scan_state = kanri_server::build_state(
        {
            let mut c = kanri_app::server::config::Config::from_env().unwrap();
            c.database_url = format!("sqlite://{}", big.join("kanri.db").display());
            c.data_dir = big.clone();
            c.demo = false;
            c.mail.transport = kanri_app::server::config::MailTransport::Files(big.join("mail"));
            c
        },
        leptos::config::LeptosOptions::builder()
            .output_name("kanri")
            .build(),
    )
    .await
    .unwrap();
    let scan_started = Instant::now();
    let queued =
        kanri_app::server::mail::scan_expiring(&scan_state, kanri_app::domain::Timestamp::now())
            .await
            .unwrap();
    let scan_seconds = scan_started.elapsed().as_secs_f64();
    scan_state.db.close().await;
    let server = Server::start(&args, &big, &[]).await;
    let cookie = login(&server, "master01").await;
    let list_big = wrk(&server.url("/kanri/users/revoke"), Some(&cookie), s);
    server.stop();

    // 6. Report.
    eprintln!("[6/6] writing {}", args.out.display());
    let list_ratio = list.rps / minimal.rps;
    let revocation_ratio = revocations / argon2;
    let scale_ratio = list_big.p50_ms / list.p50_ms;
    let kib = |b: usize| b as f64 / 1024.0;
    writeln!(md, "# kanri benchmarks\n").unwrap();
    writeln!(
        md,
        "Written by `bash bench/run` (`kanri-bench`, release builds) on {}.",
        started.format("%Y-%m-%d %H:%M UTC")
    )
    .unwrap();
    writeln!(md, "Machine: {}. Load: wrk, 2 threads, 32 connections, {s} s per measure, from the same machine.\n", machine()).unwrap();
    writeln!(md, "## Summary\n").unwrap();
    writeln!(md, "| measure | figure | budget | |").unwrap();
    writeln!(md, "|---|---|---|---|").unwrap();
    writeln!(md, "| 利用者一覧 vs minimal Leptos page (requests/s) | {:.0} / {:.0} = **{list_ratio:.2}×** | ≥ 0.5× | {} |", list.rps, minimal.rps, verdict(list_ratio >= 0.5)).unwrap();
    writeln!(md, "| 実行 per second vs argon2id verifications per second | {revocations:.1} / {argon2:.1} = **{revocation_ratio:.2}×** | ≥ 0.8× | {} |", verdict(revocation_ratio >= 0.8)).unwrap();
    writeln!(
        md,
        "| JS + WASM + CSS, brotli | **{:.1} KiB** | ≤ 100 KB | {} |",
        kib(br_total),
        verdict(br_total <= 100_000)
    )
    .unwrap();
    writeln!(md, "| 利用者一覧 p50, scale vs small database | {:.2} / {:.2} ms = **{scale_ratio:.2}×** | ≤ 1.2× | {} |", list_big.p50_ms, list.p50_ms, verdict(scale_ratio <= 1.2)).unwrap();
    writeln!(md, "| 40-day expiry scan on the scale database | **{scan_seconds:.2} s** ({queued} notices queued) | ≤ 1 s | {} |", verdict(scan_seconds <= 1.0)).unwrap();
    writeln!(
        md,
        "| RSS idle | **{:.1} MiB** | ≤ 50 MB | {} |",
        idle_rss_after_login as f64 / 1024.0,
        verdict(idle_rss_after_login * 1024 <= 50_000_000)
    )
    .unwrap();
    writeln!(
        md,
        "| peak RSS under the list-page load | **{:.1} MiB** | ≤ 200 MB | {} |\n",
        peak_rss_list as f64 / 1024.0,
        verdict(peak_rss_list * 1024 <= 200_000_000)
    )
    .unwrap();

    writeln!(
        md,
        "## 利用者一覧 (100 users, logged in) beside its baselines\n"
    )
    .unwrap();
    writeln!(md, "| page | requests/s | p50 ms | p99 ms | non-2xx |").unwrap();
    writeln!(md, "|---|---|---|---|---|").unwrap();
    for (name, l) in [
        ("`/kanri/users/revoke` (session + database + render)", list),
        (
            "`/bench/minimal` (minimal Leptos SSR page, same shell)",
            minimal,
        ),
        (
            "`/bench/bare` (bare axum handler, the list page's bytes)",
            bare,
        ),
    ] {
        writeln!(
            md,
            "| {name} | {:.0} | {:.2} | {:.2} | {} |",
            l.rps, l.p50_ms, l.p99_ms, l.non_2xx
        )
        .unwrap();
    }
    writeln!(
        md,
        "\nThe list page is {} bytes of HTML.\n",
        list_body.len()
    )
    .unwrap();
    writeln!(md, "### Where the list page's time goes (same run)\n").unwrap();
    writeln!(md, "Each step adds work to the one above it; the last two rows are kanri's database layer alone, in the bench process with the server stopped (32 tasks, pool of 8, no HTTP, no rendering).\n").unwrap();
    writeln!(md, "| measure | adds | per second | µs each at that rate |").unwrap();
    writeln!(md, "|---|---|---|---|").unwrap();
    for (name, adds, rate) in [
        ("`/bench/minimal`", "the page shell, no data", minimal.rps),
        (
            "`/kanri/users` (作業内容選択)",
            "session and user reads, menu page",
            menu.rps,
        ),
        (
            "`/kanri/users/revoke` (利用者一覧)",
            "the list read, 100 rows rendered",
            list.rps,
        ),
        (
            "one database round trip (`SELECT 1`)",
            "",
            reads.round_trips,
        ),
        ("the 100-user list read alone", "", reads.list_reads),
    ] {
        writeln!(md, "| {name} | {adds} | {rate:.0} | {:.0} |", 1e6 / rate).unwrap();
    }
    writeln!(md).unwrap();
    writeln!(md, "### During a login flood\n").unwrap();
    writeln!(md, "32 clients posting wrong passwords to `/api/login` as fast as they are answered (attempt limits off, so each is an argon2id verification), while wrk loads the list page as above:\n").unwrap();
    writeln!(md, "| | figure |").unwrap();
    writeln!(md, "|---|---|").unwrap();
    writeln!(
        md,
        "| failed logins answered | {logins_per_second:.1}/s (argon2 alone: {argon2:.1}/s) |"
    )
    .unwrap();
    writeln!(md, "| 利用者一覧 during the flood | {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms ({:.2}× the list without the flood) |", list_during_flood.rps, list_during_flood.p50_ms, list_during_flood.p99_ms, list_during_flood.rps / list.rps).unwrap();
    writeln!(
        md,
        "| peak RSS after the flood | {:.1} MiB (argon2's share is capped at 2 × 19 MiB) |\n",
        peak_rss_flood as f64 / 1024.0
    )
    .unwrap();

    writeln!(md, "## Revocations\n").unwrap();
    writeln!(md, "8 sessions of one master, each revoking its own targets (`POST /api/revoke_certificate`, serial as the confirmation screen carries it): **{revocations:.1} 実行/s** ({revocation_failures} not revoked). Beside it, argon2id verifications with kanri's parameters (m=19 MiB, t=2, p=1) through kanri's hasher with its default cap of 2 at a time: **{argon2:.1}/s**. Every 実行 verifies one 確認用パスワード, so argon2 bounds it.\n").unwrap();

    writeln!(md, "## Bytes to the browser\n").unwrap();
    writeln!(md, "Everything a master user loads from ログイン to 証明書失効結果 (every screen loads the same three files; the HTML itself is not counted).\n").unwrap();
    writeln!(md, "| file | raw | gzip -9 | brotli q11 |").unwrap();
    writeln!(md, "|---|---|---|---|").unwrap();
    md.push_str(&bytes_rows);
    writeln!(
        md,
        "| **total** | {raw_total} | {gz_total} | {br_total} |\n"
    )
    .unwrap();

    writeln!(md, "## Scale\n").unwrap();
    writeln!(md, "Scale database: {users} users in 10,001 contracts, {certs} certificate rows (built in {build_seconds:.1} s by `kanri-bench`). Small database: 1,000 users in 10 contracts plus the revocation contract. In both, A001 has the same 100 users.\n").unwrap();
    writeln!(md, "| database | 利用者一覧 requests/s | p50 ms | p99 ms |").unwrap();
    writeln!(md, "|---|---|---|---|").unwrap();
    writeln!(
        md,
        "| small | {:.0} | {:.2} | {:.2} |",
        list.rps, list.p50_ms, list.p99_ms
    )
    .unwrap();
    writeln!(
        md,
        "| scale | {:.0} | {:.2} | {:.2} |\n",
        list_big.rps, list_big.p50_ms, list_big.p99_ms
    )
    .unwrap();
    writeln!(md, "40-day expiry scan (`mail::scan_expiring`: the candidate query and queueing every notice in one transaction) on the scale database: {scan_seconds:.3} s for {queued} notices.\n").unwrap();

    writeln!(md, "## Memory\n").unwrap();
    writeln!(md, "| when | RSS |").unwrap();
    writeln!(md, "|---|---|").unwrap();
    writeln!(
        md,
        "| idle after start (demo data loaded) | {:.1} MiB |",
        idle_rss as f64 / 1024.0
    )
    .unwrap();
    writeln!(
        md,
        "| idle after a login | {:.1} MiB |",
        idle_rss_after_login as f64 / 1024.0
    )
    .unwrap();
    writeln!(
        md,
        "| peak during the list-page load | {:.1} MiB |",
        peak_rss_list as f64 / 1024.0
    )
    .unwrap();
    writeln!(
        md,
        "| peak after all page loads | {:.1} MiB |\n",
        peak_rss_all as f64 / 1024.0
    )
    .unwrap();

    if let Ok(notes) = std::fs::read_to_string("bench/NOTES.md") {
        md.push_str(&notes);
    }
    std::fs::write(&args.out, md).unwrap();
    let _ = std::fs::remove_dir_all(&work);
    println!("{}", std::fs::read_to_string(&args.out).unwrap());
}
