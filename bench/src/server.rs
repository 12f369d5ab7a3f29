//! The kanri-server under measurement, started through the harness it shares
//! with the load test (`kanri_testkit`), and the HTTP calls the
//! measures make to it besides wrk's; and kanri's state in this process, for
//! the measures that call its use cases directly.

use crate::args::Args;
use crate::fixtures::PASSWORD;
use kanri_app::infra::config::{Config, MailTransport};
use kanri_app::state::AppState;
use kanri_testkit::{Rss, Server, ServerSpec};
use std::path::Path;
use std::time::Duration;

/// Starts kanri-server on the data in `dir` with the bench routes on
/// (`/bench/minimal`, and `/bench/bare` serving `bare_file` when given) and
/// waits until it is ready.
pub async fn start(args: &Args, dir: &Path, bare_file: Option<&Path>) -> Server {
    let mut spec = spec(args, dir);
    if let Some(file) = bare_file {
        spec = spec.env("KANRI_BENCH_BARE_FILE", file);
    }
    spec.start().await.unwrap_or_else(|e| panic!("{e}"))
}

/// Starts kanri-server on the data in `dir` with `env` besides (the
/// PKCS#11 token that keeps its CA's key).
pub async fn start_with_token(args: &Args, dir: &Path, env: &[(&str, &str)]) -> Server {
    let mut spec = spec(args, dir);
    for (key, value) in env {
        spec = spec.env(key, value);
    }
    spec.start().await.unwrap_or_else(|e| panic!("{e}"))
}

/// Starts kanri-server on the PostgreSQL database at `database_url` (demo
/// mode loads the demo data into it when it is empty), its files in `dir`.
pub async fn start_on_postgres(args: &Args, dir: &Path, database_url: &str) -> Server {
    std::fs::create_dir_all(dir).unwrap();
    spec(args, dir)
        .env("DATABASE_URL", database_url)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Starts an instance behind nginx on the data in `dir` or, when given, on
/// the PostgreSQL database at `database_url`: it believes the forwarded
/// client certificate from 127.0.0.1, as a deployment's instances believe it
/// from their nginx.
pub async fn start_behind_nginx(args: &Args, dir: &Path, database_url: Option<&str>) -> Server {
    std::fs::create_dir_all(dir).unwrap();
    let mut spec = spec(args, dir).env("KANRI_TRUSTED_PROXIES", "127.0.0.1");
    if let Some(url) = database_url {
        spec = spec.env("DATABASE_URL", url);
    }
    spec.start().await.unwrap_or_else(|e| panic!("{e}"))
}

fn spec(args: &Args, dir: &Path) -> ServerSpec {
    ServerSpec::new(&args.server, dir)
        .site_root(&args.site_root)
        // Generous: it also starts on the scale database.
        .ready_within(Duration::from_secs(120))
        .env("RUST_LOG", "warn")
        // The load comes from one address and a few accounts on purpose.
        .env("KANRI_ATTEMPTS_PER_CLIENT_PER_MINUTE", "100000000")
        .env("KANRI_ATTEMPTS_PER_ACCOUNT_PER_MINUTE", "100000000")
        .env("KANRI_MAIL_INTERVAL_MINUTES", "100000")
}

/// SIGTERM, and waits until the server has exited.
pub async fn stop(mut server: Server) {
    server
        .terminate()
        .await
        .unwrap_or_else(|e| panic!("stop kanri-server: {e}"));
}

/// The server's resident memory now and at its peak, in KiB.
pub fn rss(server: &Server) -> Rss {
    server
        .rss()
        .unwrap_or_else(|e| panic!("kanri-server's RSS from /proc: {e}"))
}

/// An HTTP client that shows redirects instead of following them: kanri's
/// forms answer with one, and where it points is the outcome.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// Logs in and returns the `Cookie` header value.
pub async fn login(server: &Server, login_id: &str) -> String {
    let res = http()
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

/// The body of a page, with the session's cookie.
pub async fn page(server: &Server, path: &str, cookie: &str) -> String {
    reqwest::Client::new()
        .get(server.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// kanri's state in this process on the SQLite database in `dir`, from the
/// configuration defaults as the server reads them, in demo mode like the
/// bench's servers: a new database gets the demo data and CA, one a server
/// made is opened with the demo CA's passphrase. Mail goes to files in `dir`.
pub async fn in_process(dir: &Path) -> AppState {
    let mut config = Config::from_env().unwrap();
    config.database_url = format!("sqlite://{}", dir.join("kanri.db").display());
    config.data_dir = dir.to_owned();
    config.demo = true;
    config.mail.transport = MailTransport::Files(dir.join("mail"));
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("kanri")
        .build();
    kanri_server::build_state(config, leptos).await.unwrap()
}
