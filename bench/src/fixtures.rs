//! The data the measures run on, written straight into the server's SQLite
//! file: the small database (1,000 users in 10 contracts, and 8,000
//! revocation targets in a contract of their own) and the scale database
//! (100,000 users, 1,000,000 certificate rows). Rows come from recursive CTEs,
//! one statement per table rather than one per row.

use kanri_app::infra::password::{hash_blocking, HashCost};
use sqlx::{AnyConnection, Connection, Executor, Row, SqliteConnection};
use std::path::{Path, PathBuf};

/// Every fixture master's ログインパスワード (the demo's, so that the demo's
/// master01 logs in with it too).
pub const PASSWORD: &str = "Login-Pass-01";
/// Every fixture master's 確認用パスワード (likewise the demo's).
pub const CONFIRMATION: &str = "Kakunin-Pass-01";

/// The demo's master of A001, whose 利用者一覧 the page measures load.
pub const LIST_MASTER: &str = "master01";
/// master01's contract, whose 利用者一覧 the page measures load.
pub const LIST_CONTRACT: &str = "A001";
/// The master of R001, the contract of the revocation targets.
pub const REVOCATION_MASTER: &str = "benchm01";

/// A001's users in both databases: its 利用者一覧 is the same page in each.
pub const LIST_USERS: usize = 100;

pub async fn open(dir: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", dir.join("kanri.db").display()))
        .await
        .unwrap()
}

/// Seconds until no notice is left unsent in the database in `dir`, or
/// `None` after `limit` seconds.
pub async fn mail_delivered_within(dir: &Path, limit: u64) -> Option<f64> {
    let started = std::time::Instant::now();
    let mut db = open(dir).await;
    while started.elapsed().as_secs() < limit {
        let unsent: i64 = sqlx::query("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get(0);
        if unsent == 0 {
            return Some(started.elapsed().as_secs_f64());
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    None
}

/// The small database, on top of the demo data in `dir`: 10 contracts of 100
/// users (1,000 users), plus R001 with 8,000 revocation targets.
pub async fn fill_small(dir: &Path) {
    let mut db = open(dir).await;
    add_users(&mut db, "A001", "bulk", 93).await;
    add_users(&mut db, "B002", "bulkb", 98).await;
    for c in 3..=10 {
        let code = format!("C{c:03}");
        add_contract_with_master(&mut db, &code, &format!("master{c:03}")).await;
        add_users(&mut db, &code, &format!("c{c:03}u"), 99).await;
    }
    add_contract_with_master(&mut db, "R001", REVOCATION_MASTER).await;
    add_users(&mut db, "R001", "rv", 8000).await;
}

/// R001's users with their issued certificate's serial, in creation order:
/// those not revoked yet.
pub async fn revocation_targets(db: &Database) -> Vec<(String, String)> {
    sqlx::query(
        "SELECT u.login_id, c.serial FROM users u JOIN certificates c ON c.user_id = u.id \
         WHERE u.login_id LIKE 'rv%' AND c.state = 'issued' ORDER BY u.id",
    )
    .fetch_all(&mut db.connect().await)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// The scale database, on top of the demo data in `dir`: 10,000 contracts,
/// 100,000 users, 1,000,000 certificate rows (ten per user: nine superseded
/// or revoked, the newest issued). A001 keeps exactly 100 users so its
/// 利用者一覧 is the same page as in the small database.
pub async fn fill_scale(dir: &Path) {
    let mut db = open(dir).await;
    add_users(&mut db, "A001", "bulk", 93).await;
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
    for generation in 0..10 {
        tx.execute(certificate_generation(generation).as_str())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    db.execute("PRAGMA synchronous = FULL").await.unwrap();
    db.execute("ANALYZE").await.unwrap();
}

/// The scale database's `generation`th certificate (0 to 9) for every `sc`
/// user, and for A001's `bulk` users all but the newest (they have theirs
/// from `add_users`). Older ones are superseded, every third revoked; the
/// newest are issued and spread over 400 days of 有効期限, so about a tenth
/// fall in the 40-day window and some have expired.
fn certificate_generation(generation: i64) -> String {
    let newest = generation == 9;
    let spread = if newest { 400 } else { 300 };
    let state = if newest {
        "'issued'"
    } else {
        "CASE WHEN u.id % 3 = 0 THEN 'revoked' ELSE 'superseded' END"
    };
    let revoked = if newest {
        "NULL, NULL"
    } else {
        "CASE WHEN u.id % 3 = 0 THEN '2025-01-01T00:00:00.000000Z' END, CASE WHEN u.id % 3 = 0 THEN 'bank-operator' END"
    };
    format!(
        "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, not_after, state, revoked_at, revoked_by) \
         SELECT u.id, printf('%08x%08x%016x', {generation}, u.id, abs(random())), 'o', 'ou', u.login_id, \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-' || ({days_back} + u.id % {spread}) || ' days'), \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', printf('%+d days', 365 - {days_back} - u.id % {spread})), \
                {state}, {revoked} \
         FROM users u WHERE u.login_id LIKE 'sc%' OR (u.login_id LIKE 'bulk%' AND {generation} < 9)",
        days_back = (9 - generation) * 365,
    )
}

/// (users, certificate rows) in the database.
pub async fn count_rows(dir: &Path) -> (i64, i64) {
    let mut db = open(dir).await;
    let mut count = async |table: &str| -> i64 {
        sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get(0)
    };
    (count("users").await, count("certificates").await)
}

/// Adds `count` general users with one issued certificate each to a contract.
pub async fn add_users(db: &mut SqliteConnection, contract: &str, prefix: &str, count: i64) {
    let contract_id = insert_users(db, contract, prefix, count, "x").await;
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

/// Adds `count` general users without a certificate (未発行) to a contract,
/// their ログインパスワード the demo's ([`PASSWORD`], one real argon2id hash
/// shared by all): each can pass 証明書取得認証 once and obtain one.
pub async fn add_users_without_certificates(
    db: &mut SqliteConnection,
    contract: &str,
    prefix: &str,
    count: i64,
) {
    let login = hash_blocking(HashCost::OWASP, PASSWORD).unwrap();
    insert_users(db, contract, prefix, count, login.as_db()).await;
}

/// `count` general users of a contract, `prefix` and six digits as ログインID,
/// with this ログインパスワード hash; returns the contract's id.
async fn insert_users(
    db: &mut SqliteConnection,
    contract: &str,
    prefix: &str,
    count: i64,
    login_hash: &str,
) -> i64 {
    let contract_id: i64 = sqlx::query("SELECT id FROM contracts WHERE code = ?1")
        .bind(contract)
        .fetch_one(&mut *db)
        .await
        .unwrap()
        .get(0);
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?3) \
         INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
         SELECT ?1, ?2 || printf('%06d', i), '利用者 ' || i, 'general', ?2 || i || '@example.jp', ?4, 'y', \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now') FROM n",
    )
    .bind(contract_id)
    .bind(prefix)
    .bind(count)
    .bind(login_hash)
    .execute(&mut *db)
    .await
    .unwrap();
    contract_id
}

/// A contract with a master whose passwords are the demo ones (real hashes).
pub async fn add_contract_with_master(db: &mut SqliteConnection, code: &str, master: &str) {
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

/// Where a server's data lives: its SQLite file (in its data directory)
/// or a PostgreSQL database.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    pub async fn connect(&self) -> AnyConnection {
        sqlx::any::install_default_drivers();
        let url = match self {
            Database::Sqlite(dir) => format!("sqlite://{}", dir.join("kanri.db").display()),
            Database::Postgres(url) => url.clone(),
        };
        AnyConnection::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    /// The backend's name in the report.
    pub fn label(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "SQLite",
            Database::Postgres(_) => "PostgreSQL",
        }
    }
}

/// Turns 電子証明書方式 of a contract on or off, as `contract-set` would:
/// the server reads it on every request, so no restart is needed.
pub async fn set_certificate_login(db: &Database, contract: &str, on: bool) {
    sqlx::query("UPDATE contracts SET certificate_login = $1 WHERE code = $2")
        .bind(i64::from(on))
        .bind(contract)
        .execute(&mut db.connect().await)
        .await
        .unwrap();
}

/// A PostgreSQL database of the bench's own, made empty on the server at
/// `admin_url` and dropped by [`PostgresDatabase::drop_now`].
pub struct PostgresDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl PostgresDatabase {
    pub async fn create(admin_url: &str) -> PostgresDatabase {
        let name = format!("kanri_bench_{}", std::process::id());
        let mut admin = Database::Postgres(admin_url.to_owned()).connect().await;
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
            .await
            .unwrap();
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let base = admin_url.rsplit_once('/').expect("a database URL").0;
        PostgresDatabase {
            url: format!("{base}/{name}"),
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    /// Drops it; every server on it must have stopped.
    pub async fn drop_now(self) {
        let mut admin = Database::Postgres(self.admin_url).connect().await;
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        admin.execute(drop.as_str()).await.unwrap();
    }
}

/// R001's revocation targets on PostgreSQL: enough for two runs of 実行
/// through nginx at well over the 50 a second argon2 allows here.
pub const POSTGRES_REVOCATION_TARGETS: i64 = 4000;

/// Now, as kanri writes times (RFC 3339, microseconds, UTC), in PostgreSQL.
const PG_NOW: &str = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

/// R001 on PostgreSQL, as [`fill_small`] makes it on SQLite: its master
/// [`REVOCATION_MASTER`] (the demo passwords, real hashes) and `count`
/// revocation targets with an issued certificate each.
pub async fn fill_revocations_postgres(url: &str, count: i64) {
    let mut db = Database::Postgres(url.to_owned()).connect().await;
    let login = hash_blocking(HashCost::OWASP, PASSWORD).unwrap();
    let confirmation = hash_blocking(HashCost::OWASP, CONFIRMATION).unwrap();
    let now = PG_NOW;
    db.execute(format!("INSERT INTO contracts (code, name, branch, created_at) VALUES ('R001', 'ベンチ株式会社', '本店', {now})").as_str())
        .await
        .unwrap();
    sqlx::query(&format!(
        "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
         SELECT id, $1, 'ベンチ 太郎', 'master', 'bench@example.jp', $2, $3, {now} FROM contracts WHERE code = 'R001'"
    ))
    .bind(REVOCATION_MASTER)
    .bind(login.as_db())
    .bind(confirmation.as_db())
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query(&format!(
        "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
         SELECT c.id, 'rv' || to_char(i, 'FM000000'), '利用者 ' || i, 'general', 'rv' || i || '@example.jp', 'x', 'y', {now} \
         FROM generate_series(0, $1 - 1) AS i, contracts c WHERE c.code = 'R001'"
    ))
    .bind(count)
    .execute(&mut db)
    .await
    .unwrap();
    issue_to_postgres_users(&mut db, "rv").await;
}

/// The list page's data on PostgreSQL, on top of the demo data: A001 made
/// 100 users with an issued certificate each, as [`fill_small`] makes it on
/// SQLite (the same page, the same 100 rows).
pub async fn fill_list_postgres(url: &str) {
    let mut db = Database::Postgres(url.to_owned()).connect().await;
    let now = PG_NOW;
    db.execute(
        format!(
            "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
             SELECT c.id, 'bulk' || to_char(i, 'FM000000'), '利用者 ' || i, 'general', 'bulk' || i || '@example.jp', 'x', 'y', {now} \
             FROM generate_series(0, 92) AS i, contracts c WHERE c.code = 'A001'"
        )
        .as_str(),
    )
    .await
    .unwrap();
    issue_to_postgres_users(&mut db, "bulk").await;
}

/// One issued certificate for every user whose ログインID starts with
/// `prefix` (on PostgreSQL), 有効期限 spread over the next 300 days.
async fn issue_to_postgres_users(db: &mut AnyConnection, prefix: &str) {
    let days = |sign: &str, amount: &str| {
        format!(
            "to_char((now() {sign} ({amount}) * interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        )
    };
    sqlx::query(&format!(
        "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, not_after, state) \
         SELECT u.id, lpad(to_hex(u.id), 16, '0') || lpad(to_hex((random() * 1e15)::bigint), 16, '0'), 'o', 'ou', u.login_id, \
                {}, {}, 'issued' \
         FROM users u WHERE u.login_id LIKE $1 || '%'",
        days("-", "u.id % 300"),
        days("+", "365 - u.id % 300"),
    ))
    .bind(prefix)
    .execute(db)
    .await
    .unwrap();
}
