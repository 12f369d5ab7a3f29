//! The command line: `serve` (the default) and the bank's operator commands.
//! Passwords are read from standard input (or a hidden prompt), never from
//! the arguments, which other users of the machine can see.

use clap::{Parser, Subcommand, ValueEnum};
use kanri_app::domain::Role;
use kanri_app::server::db::users::PasswordKind;
use kanri_app::server::operator::{self, NewUserInput, OperatorError};
use kanri_app::server::password::Password;
use kanri_app::server::{demo, AppState};
use std::io::{BufRead, IsTerminal};

#[derive(Parser, Debug)]
#[command(
    name = "kanri-server",
    about = "kanri: 法人向けインターネットバンキング 管理ポータル",
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the portal (the default). Address from LEPTOS_SITE_ADDR (127.0.0.1:3000).
    Serve {
        /// Demo mode: load SPEC section 6 into a new database and say so on every page
        /// (same as KANRI_DEMO=1).
        #[arg(long)]
        demo: bool,
    },
    /// Add a contract together with its マスターユーザ. Reads the master's
    /// ログインパスワード and 確認用パスワード from stdin, one per line.
    ContractAdd {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        branch: String,
        #[arg(long)]
        master_login_id: String,
        #[arg(long)]
        master_name: String,
        #[arg(long)]
        master_email: String,
    },
    /// Add a 管理者ユーザ or 一般ユーザ to a contract. Reads the
    /// ログインパスワード and 確認用パスワード from stdin, one per line.
    UserAdd {
        #[arg(long)]
        contract: String,
        #[arg(long)]
        login_id: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: CliRole,
        #[arg(long)]
        email: String,
    },
    /// Issue a (demo) certificate record to a user, valid one year from now.
    CertIssue {
        #[arg(long)]
        login_id: String,
    },
    /// Revoke a user's certificate (the paper 申込書 route).
    CertRevoke {
        #[arg(long)]
        login_id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Release a stopped password (利用停止の解除).
    PasswordRelease {
        #[arg(long)]
        login_id: String,
        #[arg(long, value_enum)]
        kind: CliPasswordKind,
    },
    /// Load the demo data of SPEC section 6 (does nothing when it is there).
    DemoLoad,
    /// Run the e-mail job once: queue the 40-day expiry notices that are due
    /// and deliver everything queued (the server also runs it periodically).
    MailRun,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CliRole {
    Admin,
    General,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CliPasswordKind {
    Login,
    Confirmation,
}

fn read_password(
    prompt: &str,
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
) -> std::io::Result<Password> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).map(Password::new);
    }
    let line = lines.next().unwrap_or_else(|| Ok(String::new()))?;
    Ok(Password::new(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

fn read_passwords() -> Result<(Password, Password), OperatorError> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let io = |e: std::io::Error| OperatorError::Invalid(format!("パスワードを読み取れません: {e}"));
    let login = read_password("ログインパスワード: ", &mut lines).map_err(io)?;
    let confirmation = read_password("確認用パスワード: ", &mut lines).map_err(io)?;
    Ok((login, confirmation))
}

/// Runs an operator command; returns what to print on success.
pub async fn run_operator(state: &AppState, command: Command) -> Result<String, OperatorError> {
    match command {
        Command::Serve { .. } => unreachable!("serve is handled by main"),
        Command::ContractAdd {
            code,
            name,
            branch,
            master_login_id,
            master_name,
            master_email,
        } => {
            let (login_password, confirmation_password) = read_passwords()?;
            let master = NewUserInput {
                login_id: master_login_id,
                name: master_name,
                role: Role::Master,
                email: master_email,
                login_password,
                confirmation_password,
            };
            operator::create_contract(state, &code, &name, &branch, master).await?;
            Ok(format!("契約 {code} を登録しました"))
        }
        Command::UserAdd {
            contract,
            login_id,
            name,
            role,
            email,
        } => {
            let (login_password, confirmation_password) = read_passwords()?;
            let role = match role {
                CliRole::Admin => Role::Admin,
                CliRole::General => Role::General,
            };
            let input = NewUserInput {
                login_id: login_id.clone(),
                name,
                role,
                email,
                login_password,
                confirmation_password,
            };
            operator::add_user(state, &contract, input).await?;
            Ok(format!("利用者 {login_id} を登録しました"))
        }
        Command::CertIssue { login_id } => {
            let serial =
                operator::issue_certificate(state, &login_id, kanri_app::domain::Timestamp::now())
                    .await?;
            Ok(format!(
                "利用者 {login_id} に証明書を発行しました（シリアル番号 {serial}）"
            ))
        }
        Command::CertRevoke { login_id, reason } => {
            let serial = operator::revoke_certificate(state, &login_id, reason.as_deref()).await?;
            Ok(format!(
                "利用者 {login_id} の証明書を失効しました（シリアル番号 {serial}）"
            ))
        }
        Command::PasswordRelease { login_id, kind } => {
            let kind = match kind {
                CliPasswordKind::Login => PasswordKind::Login,
                CliPasswordKind::Confirmation => PasswordKind::Confirmation,
            };
            operator::release_password(state, &login_id, kind).await?;
            Ok(format!(
                "利用者 {login_id} の{}の利用停止を解除しました",
                kind.label()
            ))
        }
        Command::MailRun => {
            let (queued, delivery) = kanri_app::server::mail::run_once(state)
                .await
                .map_err(|e| OperatorError::Invalid(e.to_string()))?;
            Ok(format!(
                "期限通知 {queued} 件を作成し、{} 件を送信しました（失敗 {} 件）",
                delivery.sent, delivery.failed
            ))
        }
        Command::DemoLoad => Ok(if demo::load(state).await? {
            "デモデータを登録しました".into()
        } else {
            "デモデータは登録済みです".into()
        }),
    }
}
