//! kanri-server: serves the portal, or runs one operator command.

#![forbid(unsafe_code)]

use clap::Parser;
use kanri_app::infra::config::Config;
use kanri_app::use_cases::certificate_authority::{self, CaNames};
use kanri_pki::Passphrase;
use kanri_server::build_state;
use kanri_server::cli::{run_operator, Cli, Command};
use kanri_server::startup::connect;
use leptos::config::get_configuration;
use std::process::ExitCode;

fn main() -> ExitCode {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run()),
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    init_logs();

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
        config.enable_demo();
    }
    if matches!(
        command,
        Command::CaInit { .. }
            | Command::CaImport { .. }
            | Command::CaReseal { .. }
            | Command::CaRollover { .. }
    ) {
        return report(ca_command(&config, command).await);
    }

    let leptos_options = match leptos_options() {
        Ok(options) => options,
        Err(err) => {
            eprintln!("leptos configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };

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
        return report(outcome.map_err(|e| e.to_string()));
    }

    match kanri_server::serve::serve(state).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

/// Structured logs. Nothing logs request headers, bodies or SQL parameters,
/// so no password, hash, cookie or session ID reaches them (the load test
/// greps its server's log to prove it).
fn init_logs() {
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
}

/// Leptos' options from Cargo.toml (or the environment cargo-leptos sets).
fn leptos_options() -> Result<leptos::config::LeptosOptions, String> {
    let mut options = get_configuration(None)
        .map_err(|e| e.to_string())?
        .leptos_options;
    if options.output_name.is_empty() {
        // Run outside cargo-leptos (operator commands): the name only matters
        // for the /pkg files, which cargo-leptos builds.
        options.output_name = "kanri".into();
    }
    Ok(options)
}

/// Prints a command's outcome: the message, or エラー and why.
fn report(outcome: Result<String, String>) -> ExitCode {
    match outcome {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("エラー: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `ca-init`, `ca-import`, `ca-reseal` and `ca-rollover`: they run before a CA exists (or
/// before it can be opened as configured), so without the full server state.
async fn ca_command(config: &Config, command: Command) -> Result<String, String> {
    let db = connect(config).await.map_err(|e| e.to_string())?;
    let now = kanri_app::infra::clock::Clock::system().now();
    let outcome = match command {
        Command::CaInit {
            organization,
            unit,
            root_common_name,
            common_name,
            root_key_out,
            root_passphrase_file,
        } => {
            let root_passphrase = read_passphrase(
                root_passphrase_file.as_deref(),
                "ルート認証局の鍵のパスフレーズ",
            )?;
            let names = CaNames {
                organization,
                root_common_name: root_common_name.unwrap_or_else(|| format!("{common_name} ROOT")),
                common_name,
                unit,
            };
            // The root's key is written (and synced) before the CA is
            // stored: a CA whose root key was lost is never made. The file
            // is new and this user's only; if the CA is then not stored,
            // the file goes.
            let out = new_private_file(&root_key_out)?;
            let keep_root = |sealed: &kanri_pki::SealedKey| {
                use std::io::Write;
                let mut out = out;
                out.write_all(sealed.as_pem().as_bytes())
                    .and_then(|()| out.sync_all())
                    .map_err(|e| format!("{}: {e}", root_key_out.display()))
            };
            let created = certificate_authority::create(
                &db,
                config,
                &names,
                &root_passphrase,
                keep_root,
                now,
            )
            .await;
            db.close().await;
            return match created {
                Ok(()) => Ok(format!(
                    "認証局を登録しました（ルート認証局と、その下の発行用認証局）。ルート認証局の鍵は {} に暗号化して書き出しました。オフラインで保管し、このサーバからは削除してください",
                    root_key_out.display()
                )),
                Err(err) => {
                    let _ = std::fs::remove_file(&root_key_out);
                    Err(err.to_string())
                }
            };
        }
        Command::CaImport {
            certificate,
            key,
            chain,
            organization,
            unit,
        } => {
            let read = |p: &std::path::Path| {
                std::fs::read_to_string(p).map_err(|e| format!("{} を読めません: {e}", p.display()))
            };
            let (certificate_pem, key_pem) = (read(&certificate)?, read(&key)?);
            let chain_pem = chain.as_deref().map(read).transpose()?;
            let names = CaNames {
                organization,
                common_name: String::new(),
                root_common_name: String::new(),
                unit,
            };
            certificate_authority::import(
                &db,
                config,
                &names,
                &certificate_pem,
                &key_pem,
                chain_pem.as_deref(),
                now,
            )
            .await
        }
        Command::CaReseal {
            new_passphrase_file,
        } => {
            let new = read_passphrase(new_passphrase_file.as_deref(), "新しいパスフレーズ")?;
            let resealed = certificate_authority::reseal(&db, config, &new, now).await;
            db.close().await;
            return resealed
                .map(|()| {
                    "認証局の鍵を新しいパスフレーズで暗号化し直しました。すべてのインスタンスの KANRI_CA_PASSPHRASE を変更してください".to_owned()
                })
                .map_err(|e| e.to_string());
        }
        Command::CaRollover {
            common_name,
            root_key,
            root_passphrase_file,
        } => {
            let sealed = std::fs::read_to_string(&root_key)
                .map_err(|e| format!("{} を読めません: {e}", root_key.display()))?;
            let root_passphrase = read_passphrase(
                root_passphrase_file.as_deref(),
                "ルート認証局の鍵のパスフレーズ",
            )?;
            let rolled = certificate_authority::rollover(
                &db,
                config,
                &common_name,
                &kanri_pki::SealedKey::from_pem(sealed),
                &root_passphrase,
                now,
            )
            .await;
            db.close().await;
            return rolled
                .map(|subject| {
                    format!(
                        "新しい発行用認証局（{subject}）に切り替えました。すべてのインスタンスを再起動してください。今までの発行用認証局の証明書は有効期限まで使えます"
                    )
                })
                .map_err(|e| e.to_string());
        }
        _ => return Err("not a CA command".into()),
    };
    db.close().await;
    outcome
        .map(|()| "認証局を登録しました（鍵はパスフレーズで暗号化して保存しています）".to_owned())
        .map_err(|e| e.to_string())
}

/// A passphrase from a file's first line; or, at a terminal, typed twice
/// without echo (a typo would seal a key under a passphrase nobody knows);
/// or one line of stdin.
fn read_passphrase(file: Option<&std::path::Path>, what: &str) -> Result<Passphrase, String> {
    use std::io::IsTerminal;
    match file {
        Some(path) => std::fs::read_to_string(path)
            .map(|text| Passphrase::from_file_contents(&text))
            .map_err(|e| format!("{} を読めません: {e}", path.display())),
        None if std::io::stdin().is_terminal() => {
            let ask = |prompt: String| {
                rpassword::prompt_password(prompt)
                    .map_err(|e| format!("{what}を読み取れません: {e}"))
            };
            let first = ask(format!("{what}: "))?;
            if ask(format!("{what}（確認）: "))? != first {
                return Err(format!("{what}が一致しません"));
            }
            Ok(Passphrase::from_file_contents(&first))
        }
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| format!("{what}を読み取れません: {e}"))?;
            Ok(Passphrase::from_file_contents(&line))
        }
    }
}

/// A new file readable by this user only; an existing one is not replaced.
fn new_private_file(path: &std::path::Path) -> Result<std::fs::File, String> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            format!(
                "{} を作成できません（既にあるファイルは上書きしません）: {e}",
                path.display()
            )
        })
}
