//! The command line: `serve` (the default) and the bank's operator commands.
//! Passwords are read from standard input (or a hidden prompt), never from
//! the arguments, which other users of the machine can see.

use clap::{Args, Parser, Subcommand, ValueEnum};
use kanri_app::db::contracts::ContractSetting;
use kanri_app::domain::secret::Password;
use kanri_app::domain::suspension::HoldAction;
use kanri_app::domain::{LoginId, PasswordKind, RevocationReason, Role};
use kanri_app::state::AppState;
use kanri_app::use_cases::issuance::{KeyMethod, KeyMethodInput};
use kanri_app::use_cases::operator::{self, NewUserInput, OperatorError};
use kanri_app::use_cases::{audit_evidence, demo, mail_notices};
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
    ContractAdd(NewContractArgs),
    /// Add a 管理者ユーザ or 一般ユーザ to a contract. Reads the
    /// ログインパスワード and 確認用パスワード from stdin, one per line.
    UserAdd(NewUserArgs),
    /// Create a root CA (20 years) and kanri's issuing CA under it (10
    /// years, client certificates only), both ECDSA P-256. The issuing CA's
    /// key is made in the PKCS#11 token when KANRI_CA_PKCS11_MODULE and
    /// KANRI_CA_PKCS11_TOKEN are set (KANRI_CA_PASSPHRASE is its PIN), else
    /// sealed with KANRI_CA_PASSPHRASE (or the file
    /// KANRI_CA_PASSPHRASE_FILE) and stored; the root's key is written to
    /// --root-key-out, sealed with another passphrase (stdin, one line, or
    /// --root-passphrase-file), for the bank to keep offline. kanri keeps
    /// only the root's certificate.
    CaInit {
        /// O of the CAs and of every client certificate, e.g. "(9999)KENSHINYO".
        #[arg(long)]
        organization: String,
        /// OU of every client certificate, e.g. "(9999)KANRI CA".
        #[arg(long)]
        unit: String,
        /// CN of the issuing CA, e.g. "KANRI CA".
        #[arg(long)]
        common_name: String,
        /// CN of the root, by default the issuing CA's followed by " ROOT".
        #[arg(long)]
        root_common_name: Option<String>,
        /// Where to write the root's sealed key (a new file, readable by
        /// this user only); move it offline and delete it here.
        #[arg(long)]
        root_key_out: std::path::PathBuf,
        #[arg(long)]
        root_passphrase_file: Option<std::path::PathBuf>,
    },
    /// Take the bank's existing issuing CA (certificate and unencrypted key,
    /// PEM, ECDSA P-256) and, unless it is its own root, the certificates
    /// above it up to the root (--chain, PEM). The key is put into the
    /// PKCS#11 token when one is configured (as for ca-init), else sealed
    /// with KANRI_CA_PASSPHRASE; delete the plain key file afterwards.
    CaImport {
        #[arg(long)]
        certificate: std::path::PathBuf,
        #[arg(long)]
        key: std::path::PathBuf,
        /// The certificates above the issuing CA, nearest first, ending
        /// with the root.
        #[arg(long)]
        chain: Option<std::path::PathBuf>,
        /// O of every client certificate.
        #[arg(long)]
        organization: String,
        /// OU of every client certificate.
        #[arg(long)]
        unit: String,
    },
    /// Seal the CA's key with a new passphrase (at least 16 characters),
    /// read from stdin (one line) or from --new-passphrase-file; the current
    /// one comes from KANRI_CA_PASSPHRASE (or _FILE) as for every command.
    /// With the key in a PKCS#11 token, the token's user PIN changes to it.
    /// Then give every instance the new passphrase.
    CaReseal {
        #[arg(long)]
        new_passphrase_file: Option<std::path::PathBuf>,
    },
    /// Start a new issuing CA under the same root (issue 24): it issues
    /// every certificate from now on, while the certificates of the current
    /// one keep logging in, renewing and being revoked until they expire
    /// (each issuing CA has its own CRL and OCSP responder). The root's key
    /// is brought back from offline for this one signature: --root-key, the
    /// file ca-init wrote, and its passphrase (stdin, one line, or
    /// --root-passphrase-file). The new key is made where the current one
    /// is (the PKCS#11 token, or sealed with KANRI_CA_PASSPHRASE). Restart
    /// every instance afterwards: each opens the new CA at start.
    CaRollover {
        /// CN of the new issuing CA, another than every earlier one's, e.g.
        /// "KANRI CA 2".
        #[arg(long)]
        common_name: String,
        #[arg(long)]
        root_key: std::path::PathBuf,
        #[arg(long)]
        root_passphrase_file: Option<std::path::PathBuf>,
    },
    /// Issue a certificate to a user without one, valid one year from now:
    /// with a key made here into a .p12 (its import password from stdin),
    /// or for the user's CSR.
    CertIssue {
        #[arg(long, value_parser = login_id)]
        login_id: LoginId,
        /// Write key + certificate + CA certificate here (PKCS#12).
        #[arg(long, conflicts_with = "csr", required_unless_present = "csr")]
        p12: Option<std::path::PathBuf>,
        /// The user's certificate request (PEM or DER)…
        #[arg(long, requires = "out")]
        csr: Option<std::path::PathBuf>,
        /// …and where to write the certificate (PEM).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Revoke a user's certificate (the paper 申込書 route).
    CertRevoke {
        #[arg(long, value_parser = login_id)]
        login_id: LoginId,
        /// RFC 5280 reason.
        #[arg(long, value_enum, default_value = "unspecified")]
        reason: CliReason,
    },
    /// Turn 電子証明書方式 on or off for a contract (the 申込書): when on, its
    /// users log in only with their own current certificate.
    ContractSet {
        #[arg(long)]
        code: String,
        #[arg(long, value_enum, required_unless_present = "issuance_code")]
        certificate_login: Option<OnOff>,
        /// Whether 取得 needs a 発行用コード (or a registered
        /// ワンタイムパスワード) on a contract without 電子証明書方式; with
        /// 電子証明書方式 it always does.
        #[arg(long, value_enum)]
        issuance_code: Option<OnOff>,
    },
    /// 一時停止 of every certificate of a contract at once (fraud response):
    /// each stops at its next request on every instance and is published
    /// as certificateHold in the CRL and OCSP; holds made in the contract
    /// are taken over, so that only the bank releases them.
    ContractSuspend {
        #[arg(long)]
        code: String,
    },
    /// 再開 of the contract's certificates held by `contract-suspend`.
    ContractResume {
        #[arg(long)]
        code: String,
    },
    /// Walk 操作履歴's hash chains and signed checkpoints; name the first
    /// row of each chain that was edited, deleted, inserted or reordered.
    /// Exit status 0 when all is intact, 1 otherwise.
    AuditVerify,
    /// Sign a checkpoint of 操作履歴 now (the server signs one daily).
    AuditCheckpoint,
    /// Release a stopped ワンタイムパスワード (利用停止の解除).
    OtpRelease {
        #[arg(long, value_parser = login_id)]
        login_id: LoginId,
    },
    /// Remove a user's ワンタイムパスワード (登録解除: a lost phone); the
    /// user may register a new one. The bank does this for master users.
    OtpReset {
        #[arg(long, value_parser = login_id)]
        login_id: LoginId,
    },
    /// Grant a user a 発行用コード for 取得 (the 申込書 route; the only one
    /// for a master user). Prints the code once and mails it to the user.
    IssuanceCode {
        #[arg(long, value_parser = login_id)]
        login_id: LoginId,
    },
    /// Release a stopped password (利用停止の解除).
    PasswordRelease {
        #[arg(long, value_parser = login_id)]
        login_id: LoginId,
        #[arg(long, value_enum)]
        kind: CliPasswordKind,
    },
    /// Load the demo data of SPEC section 6 (does nothing when it is there).
    DemoLoad,
    /// Run the e-mail job once: queue the 40-day expiry notices that are due
    /// and deliver everything queued (the server also runs it periodically).
    MailRun,
}

#[derive(Args, Debug)]
pub struct NewContractArgs {
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
}

#[derive(Args, Debug)]
pub struct NewUserArgs {
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
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CliRole {
    Admin,
    General,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
#[value(rename_all = "verbatim")]
pub enum CliReason {
    #[value(name = "unspecified")]
    Unspecified,
    #[value(name = "keyCompromise")]
    KeyCompromise,
    #[value(name = "affiliationChanged")]
    AffiliationChanged,
    #[value(name = "superseded")]
    Superseded,
    #[value(name = "cessationOfOperation")]
    CessationOfOperation,
}

impl From<CliReason> for RevocationReason {
    fn from(reason: CliReason) -> Self {
        match reason {
            CliReason::Unspecified => RevocationReason::Unspecified,
            CliReason::KeyCompromise => RevocationReason::KeyCompromise,
            CliReason::AffiliationChanged => RevocationReason::AffiliationChanged,
            CliReason::Superseded => RevocationReason::Superseded,
            CliReason::CessationOfOperation => RevocationReason::CessationOfOperation,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
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
    let io = |e: std::io::Error| OperatorError::Input(format!("パスワードを読み取れません: {e}"));
    let login = read_password("ログインパスワード: ", &mut lines).map_err(io)?;
    let confirmation = read_password("確認用パスワード: ", &mut lines).map_err(io)?;
    Ok((login, confirmation))
}

/// Runs an operator command; returns what to print on success.
pub async fn run_operator(state: &AppState, command: Command) -> Result<String, OperatorError> {
    match command {
        Command::Serve { .. }
        | Command::CaInit { .. }
        | Command::CaImport { .. }
        | Command::CaReseal { .. }
        | Command::CaRollover { .. } => {
            Err(OperatorError::Input("main runs this command itself".into()))
        }
        Command::ContractAdd(args) => contract_add(state, args).await,
        Command::UserAdd(args) => user_add(state, args).await,
        Command::CertIssue {
            login_id,
            p12,
            csr,
            out,
        } => cert_issue(state, &login_id, p12, csr.zip(out)).await,
        Command::CertRevoke { login_id, reason } => {
            let serial = operator::revoke_certificate(state, &login_id, reason.into()).await?;
            Ok(format!(
                "利用者 {login_id} の証明書を失効しました（シリアル番号 {serial}）"
            ))
        }
        Command::ContractSet {
            code,
            certificate_login,
            issuance_code,
        } => {
            let mut said = Vec::new();
            if let Some(on) = certificate_login {
                said.push(contract_set(state, &code, on == OnOff::On).await?);
            }
            if let Some(on) = issuance_code {
                let setting = ContractSetting::IssuanceCodeRequired;
                operator::set_contract(state, &code, setting, on == OnOff::On).await?;
                said.push(format!(
                    "契約 {code} を設定しました: {}",
                    setting.describe(on == OnOff::On)
                ));
            }
            Ok(said.join("\n"))
        }
        Command::ContractSuspend { code } => {
            let held = operator::hold_contract(state, &code, HoldAction::Suspend).await?;
            Ok(format!("契約 {code} の証明書 {held}件を一時停止しました"))
        }
        Command::ContractResume { code } => {
            let released = operator::hold_contract(state, &code, HoldAction::Resume).await?;
            Ok(format!("契約 {code} の証明書 {released}件を再開しました"))
        }
        Command::AuditVerify => {
            let report = audit_evidence::verify(state).await?;
            let chains: Vec<String> = report
                .chains
                .iter()
                .map(|(chain, n)| {
                    let name = if chain.is_empty() {
                        "契約なし"
                    } else {
                        chain
                    };
                    format!("{name} {n}行")
                })
                .collect();
            let summary = format!(
                "操作履歴: 連鎖 {}（{}）、連鎖開始前の行 {}、チェックポイント {}件",
                report.chains.len(),
                chains.join("、"),
                report.legacy_rows,
                report.checkpoints
            );
            if report.problems.is_empty() {
                Ok(format!(
                    "{summary}
改ざんは見つかりませんでした"
                ))
            } else {
                Err(OperatorError::Input(format!(
                    "操作履歴に改ざんが見つかりました:\n{}\n{summary}",
                    report.problems.join("\n")
                )))
            }
        }
        Command::AuditCheckpoint => {
            let body = audit_evidence::checkpoint(state).await?;
            Ok(format!("チェックポイントに署名しました:\n{body}"))
        }
        Command::OtpRelease { login_id } => release(state, &login_id, PasswordKind::Otp).await,
        Command::OtpReset { login_id } => {
            operator::reset_otp(state, &login_id).await?;
            Ok(format!(
                "利用者 {login_id} のワンタイムパスワードの登録を解除しました"
            ))
        }
        Command::IssuanceCode { login_id } => {
            let granted = operator::grant_issuance_code(state, &login_id).await?;
            Ok(format!(
                "利用者 {} の発行用コード: {}（有効期限 {}、利用者にメールで送信します）",
                granted.login_id,
                granted.code.display(),
                granted.expires_at.jst()
            ))
        }
        Command::PasswordRelease { login_id, kind } => {
            let kind = match kind {
                CliPasswordKind::Login => PasswordKind::Login,
                CliPasswordKind::Confirmation => PasswordKind::Confirmation,
            };
            release(state, &login_id, kind).await
        }
        Command::MailRun => mail_run(state).await,
        // The demo's users have published passwords: never beside a bank's.
        Command::DemoLoad if !state.config.demo => Err(OperatorError::Input(
            "デモデータはデモモード（KANRI_DEMO=1）でのみ登録できます".into(),
        )),
        Command::DemoLoad => Ok(if demo::load(state).await? {
            "デモデータを登録しました".into()
        } else {
            "デモデータは登録済みです".into()
        }),
    }
}

async fn contract_add(state: &AppState, args: NewContractArgs) -> Result<String, OperatorError> {
    let (login_password, confirmation_password) = read_passwords()?;
    let master = NewUserInput {
        login_id: args.master_login_id,
        name: args.master_name,
        role: Role::Master,
        email: args.master_email,
        login_password,
        confirmation_password,
    };
    let code = args.code;
    operator::create_contract(state, &code, &args.name, &args.branch, master).await?;
    Ok(format!("契約 {code} を登録しました"))
}

async fn user_add(state: &AppState, args: NewUserArgs) -> Result<String, OperatorError> {
    let (login_password, confirmation_password) = read_passwords()?;
    let role = match args.role {
        CliRole::Admin => Role::Admin,
        CliRole::General => Role::General,
    };
    let login_id = args.login_id;
    let input = NewUserInput {
        login_id: login_id.clone(),
        name: args.name,
        role,
        email: args.email,
        login_password,
        confirmation_password,
    };
    operator::add_user(state, &args.contract, input).await?;
    Ok(format!("利用者 {login_id} を登録しました"))
}

async fn contract_set(state: &AppState, code: &str, on: bool) -> Result<String, OperatorError> {
    operator::set_certificate_login(state, code, on).await?;
    let mode = if on {
        "電子証明書方式"
    } else {
        "ID・パスワード方式"
    };
    Ok(format!("契約 {code} のログイン方式を{mode}にしました"))
}

/// 利用停止の解除 of one of the user's passwords (or the ワンタイムパスワード).
async fn release(
    state: &AppState,
    login_id: &LoginId,
    kind: PasswordKind,
) -> Result<String, OperatorError> {
    operator::release_password(state, login_id, kind).await?;
    Ok(format!(
        "利用者 {login_id} の{}の利用停止を解除しました",
        kind.label()
    ))
}

/// A ログインID on the command line, parsed before anything runs.
fn login_id(raw: &str) -> Result<LoginId, String> {
    LoginId::parse(raw).map_err(|e| e.to_string())
}

async fn mail_run(state: &AppState) -> Result<String, OperatorError> {
    let (queued, delivery) = mail_notices::run_once(state)
        .await
        .map_err(|e| OperatorError::Input(e.to_string()))?;
    Ok(format!(
        "期限通知 {queued} 件を作成し、{} 件を送信しました（失敗 {} 件）",
        delivery.sent, delivery.failed
    ))
}

fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), OperatorError> {
    std::fs::write(path, bytes)
        .map_err(|e| OperatorError::Input(format!("{} に書き込めません: {e}", path.display())))
}

/// `cert-issue`: a .p12 (import password from stdin) or a CSR's certificate.
async fn cert_issue(
    state: &AppState,
    login_id: &LoginId,
    p12: Option<std::path::PathBuf>,
    csr: Option<(std::path::PathBuf, std::path::PathBuf)>,
) -> Result<String, OperatorError> {
    let refused = |r: kanri_app::domain::IssueRefusal| OperatorError::Input(r.message().into());
    let (method, out) = match (p12, csr) {
        (Some(out), _) => {
            let stdin = std::io::stdin();
            let mut lines = stdin.lock().lines();
            let io = |e: std::io::Error| {
                OperatorError::Input(format!("パスワードを読み取れません: {e}"))
            };
            let password = read_password("証明書ファイルのパスワード: ", &mut lines).map_err(io)?;
            let input = KeyMethodInput::ServerKey {
                import_password: password.expose(),
                repeated: password.expose(),
            };
            (input.validate().map_err(refused)?, out)
        }
        (None, Some((csr, out))) => {
            let bytes = std::fs::read(&csr).map_err(|e| {
                OperatorError::Input(format!("{} を読めません: {e}", csr.display()))
            })?;
            (
                KeyMethodInput::Csr(&bytes).validate().map_err(refused)?,
                out,
            )
        }
        (None, None) => {
            return Err(OperatorError::Input(
                "--p12 または --csr を指定してください".into(),
            ))
        }
    };
    let server_key = matches!(method, KeyMethod::ServerKey(_));
    let prepared = operator::issue_certificate(state, login_id, method, state.clock.now()).await?;
    match (server_key, &prepared.pkcs12) {
        (true, Some(file)) => write_file(&out, file)?,
        _ => write_file(&out, prepared.pem.as_bytes())?,
    }
    Ok(format!(
        "利用者 {login_id} に証明書を発行しました（シリアル番号 {}、{}）",
        prepared.serial,
        out.display()
    ))
}
