//! Test harness: a fresh database with the demo data per test, on SQLite
//! always and on PostgreSQL when `KANRI_TEST_POSTGRES_URL` is set (CI sets
//! it, so there a missing PostgreSQL fails instead of skipping), and an HTTP
//! client that drives the real router with `oneshot` and keeps its cookie.

#![allow(dead_code)]

pub mod smtp;

use axum::body::{to_bytes, Body};
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use kanri_app::server::config::Config;
use kanri_app::server::password::HashCost;
use kanri_app::server::AppState;
use leptos::config::LeptosOptions;
use sqlx::{Connection, Executor, Row};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tower::ServiceExt;

pub const LOGIN_PASSWORD: &str = "Login-Pass-01";
pub const CONFIRMATION_PASSWORD: &str = "Kakunin-Pass-01";

/// Declares one test body run against each backend: `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::common::TestApp::start($crate::common::Backend::Sqlite, |_| {}).await.unwrap()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                match $crate::common::TestApp::start($crate::common::Backend::Postgres, |_| {}).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("skipped: KANRI_TEST_POSTGRES_URL is not set"),
                }
            }
        }
    )+};
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                // Drop runs outside async; a small runtime of its own drops the database.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin_url).await {
                            let _ = conn
                                .execute(
                                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                                )
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

fn random_name(prefix: &str) -> String {
    format!("{prefix}{:016x}", rand::random::<u64>())
}

pub fn test_config(database_url: String) -> Config {
    Config {
        database_url,
        data_dir: std::env::temp_dir(),
        demo: true,
        session_idle: Duration::from_secs(15 * 60),
        session_absolute: Duration::from_secs(8 * 3600),
        secure_cookies: false,
        // Cheap hashes keep the suite fast; production refuses them (see
        // `HashCost::meets_owasp_minimum` and its unit test).
        hash_cost: HashCost::TESTING,
        hash_concurrency: 4,
        max_db_connections: 8,
        mail: kanri_app::server::config::MailConfig {
            from: "kanri <noreply@kanri.invalid>".into(),
            transport: kanri_app::server::config::MailTransport::Files(
                std::env::temp_dir().join(random_name("kanri-mail-")),
            ),
            interval: Duration::from_secs(24 * 3600),
        },
        // Tests fire many attempts from one address; the throttle has its own tests.
        attempts_per_client_per_minute: 100_000,
        attempts_per_account_per_minute: 100_000,
        trusted_proxies: Vec::new(),
        json_logs: false,
        bench_routes: false,
        bench_bare_file: None,
    }
}

impl TestApp {
    /// A new database with the demo data; `None` for PostgreSQL when no URL is given.
    pub async fn start(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        sqlx::any::install_default_drivers();
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.db", random_name("kanri-test-")));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Backend::Postgres => {
                let admin_url = std::env::var("KANRI_TEST_POSTGRES_URL")
                    .ok()
                    .filter(|u| !u.is_empty())?;
                let name = random_name("kanri_t_");
                let mut conn = sqlx::AnyConnection::connect(&admin_url)
                    .await
                    .expect("KANRI_TEST_POSTGRES_URL is set but PostgreSQL cannot be reached");
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(base, _)| base)
                    .expect("URL with a database name");
                (
                    format!("{base}/{name}"),
                    Cleanup::Database { admin_url, name },
                )
            }
        };
        let mut config = test_config(url);
        adjust(&mut config);
        let options = LeptosOptions::builder().output_name("kanri").build();
        let state = kanri_server::build_state(config, options)
            .await
            .expect("start kanri");
        let router = kanri_server::app(state.clone());
        Some(TestApp {
            state,
            router,
            cleanup,
        })
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookie: None,
        }
    }

    /// A client already logged in as `login_id`.
    pub async fn logged_in(&self, login_id: &str) -> Client {
        let mut client = self.client();
        let res = client.login(login_id, LOGIN_PASSWORD).await;
        assert_eq!(
            res.location(),
            Some("/"),
            "login of {login_id} failed: {res:?}"
        );
        client
    }

    pub async fn scalar_i64(&self, sql: &str, bind: &str) -> i64 {
        let row = sqlx::query(sql)
            .bind(bind)
            .fetch_one(self.state.db.pool())
            .await
            .unwrap();
        row.try_get::<i64, _>(0).unwrap()
    }

    pub async fn scalar_string(&self, sql: &str, bind: &str) -> Option<String> {
        let row = sqlx::query(sql)
            .bind(bind)
            .fetch_optional(self.state.db.pool())
            .await
            .unwrap();
        row.and_then(|r| r.try_get::<Option<String>, _>(0).unwrap())
    }

    /// A column of a user's newest certificate.
    async fn newest_certificate(&self, column: &str, login_id: &str) -> String {
        let sql = format!(
            "SELECT c.{column} FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1 \
             ORDER BY c.not_before DESC, c.id DESC LIMIT 1"
        );
        self.scalar_string(&sql, login_id).await.unwrap()
    }

    /// State of a user's newest certificate (`issued`, `revoked`, …).
    pub async fn certificate_state(&self, login_id: &str) -> String {
        self.newest_certificate("state", login_id).await
    }

    pub async fn certificate_serial(&self, login_id: &str) -> String {
        self.newest_certificate("serial", login_id).await
    }

    pub async fn confirmation_failures(&self, login_id: &str) -> i64 {
        self.scalar_i64(
            "SELECT confirmation_failures FROM users WHERE login_id = $1",
            login_id,
        )
        .await
    }

    /// 操作履歴 rows of an action with an outcome and (optional) reason.
    pub async fn audit_count(&self, action: &str, outcome: &str, reason: Option<&str>) -> i64 {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND outcome = $2 AND ($3 = '' OR reason = $3)",
        )
        .bind(action)
        .bind(outcome)
        .bind(reason.unwrap_or(""))
        .fetch_one(self.state.db.pool())
        .await
        .unwrap();
        row.try_get::<i64, _>(0).unwrap()
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn is_redirect(&self) -> bool {
        self.status.is_redirection()
    }
}

/// A browser stand-in: one cookie, `Accept: text/html` like a real form post.
#[derive(Clone)]
pub struct Client {
    router: Router,
    pub cookie: Option<String>,
}

impl Client {
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
        accept: &str,
    ) -> TestResponse {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::ACCEPT, accept)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::USER_AGENT, "kanri-test");
        if let Some(cookie) = &self.cookie {
            req = req.header(header::COOKIE, cookie.as_str());
        }
        let body = match form {
            Some(fields) => {
                let encoded = encode_form(fields);
                // Browsers send the length of a form post; so do we.
                req = req
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::CONTENT_LENGTH, encoded.len());
                Body::from(encoded)
            }
            None => Body::empty(),
        };
        let mut req = req.body(body).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50000))));
        let res = self.router.clone().oneshot(req).await.unwrap();
        for set_cookie in res.headers().get_all(header::SET_COOKIE) {
            let value = set_cookie.to_str().unwrap();
            let pair = value.split(';').next().unwrap().trim();
            let removed = value.contains("Max-Age=0") || pair.ends_with('=');
            self.cookie = if removed { None } else { Some(pair.to_owned()) };
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = to_bytes(res.into_body(), 16 * 1024 * 1024).await.unwrap();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None, "text/html").await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.send(Method::POST, path, Some(fields), "text/html")
            .await
    }

    pub async fn login(&mut self, login_id: &str, password: &str) -> TestResponse {
        self.post_form(
            "/api/login",
            &[("login_id", login_id), ("password", password)],
        )
        .await
    }

    /// Posts 実行 on the confirmation screen.
    pub async fn execute_revocation(
        &mut self,
        login_id: &str,
        serial: &str,
        password: &str,
    ) -> TestResponse {
        self.post_form(
            "/api/revoke_certificate",
            &[
                ("login_id", login_id),
                ("serial", serial),
                ("confirmation_password", password),
            ],
        )
        .await
    }
}

pub fn encode_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                kanri_app::functions::encode_query_value(k),
                kanri_app::functions::encode_query_value(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of `<input … name="NAME" value="…">` in a page.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let rest = &html[at..];
    let start = rest.find("value=\"")? + 7;
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_owned())
}
