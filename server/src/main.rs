//! kanri-server: serves the portal, or runs one operator command.

use clap::Parser;
use kanri_app::server::config::Config;
use kanri_server::cli::{run_operator, Cli, Command};
use kanri_server::{app, build_state};
use leptos::config::get_configuration;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;
use tower_sessions::ExpiredDeletion;

// Rendering a 100-row page allocates and frees many small strings on both
// tokio workers, and glibc's allocator took about a quarter of the list
// page's profile. With mimalloc the list page served 1,360-1,620 requests/s
// against 1,030-1,180 with glibc (A/B, same build otherwise), for 11 MiB more
// idle RSS (43.6 against 32.5 MiB; the budget is 50 MB). bench/NOTES.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // Structured logs. Nothing logs request headers, bodies or SQL
    // parameters, so no password, hash, cookie or session ID reaches them
    // (the load test greps its server's log to prove it).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("KANRI_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }

    let cli = Cli::parse();
    let mut config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    if let Command::Serve { demo: true } = command {
        config.demo = true;
    }

    let mut leptos_options = match get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(err) => {
            eprintln!("leptos configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
    if leptos_options.output_name.is_empty() {
        // Run outside cargo-leptos (operator commands): the name only matters
        // for the /pkg files, which cargo-leptos builds.
        leptos_options.output_name = "kanri".into();
    }

    let state = match build_state(config, leptos_options).await {
        Ok(state) => state,
        Err(err) => {
            eprintln!("kanri-server could not start: {err}");
            return ExitCode::FAILURE;
        }
    };

    if !matches!(command, Command::Serve { .. }) {
        let outcome = run_operator(&state, command).await;
        state.db.close().await;
        return match outcome {
            Ok(message) => {
                println!("{message}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("エラー: {err}");
                ExitCode::FAILURE
            }
        };
    }

    let addr = state.leptos_options.site_addr;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("kanri: http://{addr}");
    if state.config.demo {
        println!(
            "demo mode: log in as master01 / Login-Pass-01 (確認用パスワード Kakunin-Pass-01)"
        );
    }

    let store = kanri_app::server::session_store::DbSessionStore::new(state.db.clone());
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(300));
        loop {
            every.tick().await;
            if let Err(err) = store.delete_expired().await {
                tracing::warn!(error = %err, "deleting expired sessions failed");
            }
        }
    });

    // The e-mail job: at start, then every KANRI_MAIL_INTERVAL_MINUTES.
    let job_state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(job_state.config.mail.interval);
        loop {
            every.tick().await;
            match kanri_app::server::mail::run_once(&job_state).await {
                Ok((queued, delivery)) => tracing::info!(
                    queued,
                    sent = delivery.sent,
                    failed = delivery.failed,
                    "mail job"
                ),
                Err(err) => tracing::warn!(error = %err, "mail job failed"),
            }
        }
    });

    let db = state.db.clone();
    let router = app(state);
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    db.close().await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, let requests in flight finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
