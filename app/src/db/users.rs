//! Users (利用者) and their two passwords' failure counters.

use super::{decode_error, flag, Columns, Db, Tx};
use crate::domain::secret::{OtpSecretText, PasswordHash};
use crate::domain::{
    Actor, CertificateRecord, CertificateSerial, CertificateState, LoginId, PasswordKind,
    RevocationReason, Role, Timestamp, MAX_PASSWORD_FAILURES,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

/// A user as the login and revocation checks need them, hashes included.
#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: i64,
    pub contract_id: i64,
    pub contract_code: String,
    pub contract_name: String,
    pub login_id: LoginId,
    pub name: String,
    pub role: Role,
    pub login_password_hash: PasswordHash,
    pub confirmation_password_hash: PasswordHash,
    pub login_failures: i64,
    pub login_stopped: bool,
    pub confirmation_failures: i64,
    pub confirmation_stopped: bool,
    pub last_login_at: Option<Timestamp>,
    /// The ワンタイムパスワード's secret, once registered.
    pub otp_secret: Option<OtpSecretText>,
    /// The last TOTP time step accepted (a code works once).
    pub otp_last_step: Option<i64>,
    pub otp_failures: i64,
    pub otp_stopped: bool,
    /// The ワンタイムパスワード was registered from a session that presented
    /// the user's own certificate (then it counts as 取得's second proof).
    pub otp_with_certificate: bool,
    /// The contract logs in by 電子証明書方式 (SPEC 7.5).
    pub certificate_login: bool,
    /// The bank wants a second proof at 取得 on this contract even without
    /// 電子証明書方式 (SPEC 9.1).
    pub issuance_code_required: bool,
    /// The user's certificate in force, if any (発行済み and not on hold):
    /// serial and 有効期限.
    pub current_certificate: Option<(CertificateSerial, Timestamp)>,
}

const USER_COLUMNS: &str =
    "u.id, u.contract_id, c.code AS contract_code, c.name AS contract_name, u.login_id, u.name, u.role, \
     u.login_password_hash, u.confirmation_password_hash, u.login_failures, u.login_stopped, \
     u.confirmation_failures, u.confirmation_stopped, u.last_login_at, \
     u.otp_secret, u.otp_last_step, u.otp_failures, u.otp_stopped, u.otp_with_certificate, c.certificate_login, c.issuance_code_required, \
     ic.serial AS current_serial, ic.not_after AS current_not_after";

/// A user with their contract and their certificate in force: 発行済み
/// (at most one, by the schema) and not on hold (一時停止): what every
/// request of a session needs, in one read. A held certificate is not in
/// force, so a session bound to it ends at its next request.
const USER_FROM: &str = "users u JOIN contracts c ON c.id = u.contract_id \
     LEFT JOIN certificates ic ON ic.user_id = u.id AND ic.state = 'issued' AND ic.suspended_at IS NULL";

/// [`USER_FROM`] reached from a session's row.
const SESSION_USER_FROM: &str = "sessions s JOIN users u ON u.id = s.user_id \
     JOIN contracts c ON c.id = u.contract_id \
     LEFT JOIN certificates ic ON ic.user_id = u.id AND ic.state = 'issued' AND ic.suspended_at IS NULL";

fn user_from_row(r: &impl Columns) -> Result<UserRecord, sqlx::Error> {
    let login_id = r.text("login_id")?;
    let role = r.text("role")?;
    Ok(UserRecord {
        id: r.int("id")?,
        contract_id: r.int("contract_id")?,
        contract_code: r.text("contract_code")?,
        contract_name: r.text("contract_name")?,
        login_id: LoginId::parse(&login_id).map_err(|_| decode_error("login_id"))?,
        name: r.text("name")?,
        role: Role::from_db(&role).ok_or_else(|| decode_error("role"))?,
        login_password_hash: PasswordHash::from_db(r.text("login_password_hash")?),
        confirmation_password_hash: PasswordHash::from_db(r.text("confirmation_password_hash")?),
        login_failures: r.int("login_failures")?,
        login_stopped: flag(r.int("login_stopped")?),
        confirmation_failures: r.int("confirmation_failures")?,
        confirmation_stopped: flag(r.int("confirmation_stopped")?),
        last_login_at: r
            .opt_text("last_login_at")?
            .as_deref()
            .and_then(Timestamp::from_db),
        otp_secret: r.opt_text("otp_secret")?.map(OtpSecretText::new),
        otp_last_step: r.opt_int("otp_last_step")?,
        otp_failures: r.int("otp_failures")?,
        otp_stopped: flag(r.int("otp_stopped")?),
        otp_with_certificate: flag(r.int("otp_with_certificate")?),
        certificate_login: flag(r.int("certificate_login")?),
        issuance_code_required: flag(r.int("issuance_code_required")?),
        current_certificate: current_certificate(r)?,
    })
}

fn current_certificate(
    r: &impl Columns,
) -> Result<Option<(CertificateSerial, Timestamp)>, sqlx::Error> {
    match (
        r.opt_text("current_serial")?,
        r.opt_text("current_not_after")?,
    ) {
        (Some(serial), Some(not_after)) => Ok(Some((
            CertificateSerial::parse(&serial).map_err(|_| decode_error("serial"))?,
            Timestamp::from_db(&not_after).ok_or_else(|| decode_error("not_after"))?,
        ))),
        _ => Ok(None),
    }
}

pub async fn find_by_login_id<'e, E>(
    db: E,
    login_id: &LoginId,
) -> Result<Option<UserRecord>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let sql = format!("SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE u.login_id = $1");
    let row = sqlx::query(&sql)
        .bind(login_id.as_str())
        .fetch_optional(db)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn find_by_id<'e, E>(db: E, id: i64) -> Result<Option<UserRecord>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let sql = format!("SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE u.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// A session's record and its user, as one read returns them.
#[derive(Clone, Debug)]
pub struct SessionRow {
    /// The record's data (tower-sessions' JSON).
    pub data: String,
    pub user: UserRecord,
}

/// A session's record and its user, read together: what every request of
/// a logged-in user needs, in one query (the session's row, its user, the
/// user's contract and 発行済み certificate), read anew on every request so
/// that a logout, a stop or a revocation written by any instance holds at
/// the next one. `None` when the session is gone, expired at `now`, or has
/// no user.
pub async fn find_by_session(
    db: &Db,
    session_id: &str,
    now: Timestamp,
) -> Result<Option<SessionRow>, sqlx::Error> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT s.data AS session_data, {USER_COLUMNS} FROM {SESSION_USER_FROM} \
             WHERE s.id = $1 AND s.expires_at > $2"
        )
    });
    let row = sqlx::query(&SQL)
        .bind(session_id)
        .bind(now.to_db())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref()
        .map(|r| {
            Ok(SessionRow {
                data: r.text("session_data")?,
                user: user_from_row(r)?,
            })
        })
        .transpose()
}

pub struct NewUser<'a> {
    pub contract_id: i64,
    pub login_id: &'a LoginId,
    pub name: &'a str,
    pub role: Role,
    pub email: &'a str,
    pub login_password_hash: &'a PasswordHash,
    pub confirmation_password_hash: &'a PasswordHash,
}

pub async fn insert(tx: &mut Tx, user: NewUser<'_>, now: Timestamp) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, \
         confirmation_password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(user.contract_id)
    .bind(user.login_id.as_str())
    .bind(user.name)
    .bind(user.role.as_db())
    .bind(user.email)
    .bind(user.login_password_hash.as_db())
    .bind(user.confirmation_password_hash.as_db())
    .bind(now.to_db())
    .fetch_one(&mut **tx)
    .await?;
    row.try_get("id")
}

/// The failure-counter and stop columns of a password.
fn columns(kind: PasswordKind) -> (&'static str, &'static str) {
    match kind {
        PasswordKind::Login => ("login_failures", "login_stopped"),
        PasswordKind::Confirmation => ("confirmation_failures", "confirmation_stopped"),
        PasswordKind::Otp => ("otp_failures", "otp_stopped"),
    }
}

/// Counts one more consecutive failure and stops the password at the
/// sixth, in one statement so that concurrent failures cannot both read the
/// old count. A password already stopped is not counted: its stop is in the
/// statement's condition, so of many wrong attempts at once (each in its own
/// transaction) at most six are ever counted. Returns (failures, stopped)
/// after the update, or `None` when the password was stopped already.
pub async fn record_password_failure(
    tx: &mut Tx,
    user_id: i64,
    kind: PasswordKind,
) -> Result<Option<(i64, bool)>, sqlx::Error> {
    let (failures, stopped) = columns(kind);
    let sql = format!(
        "UPDATE users SET {failures} = {failures} + 1, \
         {stopped} = CASE WHEN {failures} + 1 >= $2 THEN 1 ELSE {stopped} END \
         WHERE id = $1 AND {stopped} = 0 RETURNING {failures} AS failures, {stopped} AS stopped"
    );
    let row = sqlx::query(&sql)
        .bind(user_id)
        .bind(MAX_PASSWORD_FAILURES)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|row| Ok((row.try_get("failures")?, flag(row.try_get("stopped")?))))
        .transpose()
}

/// Whether a password is stopped now, read in the caller's transaction.
pub async fn is_stopped(
    tx: &mut Tx,
    user_id: i64,
    kind: PasswordKind,
) -> Result<bool, sqlx::Error> {
    let (_, stopped) = columns(kind);
    let sql = format!("SELECT {stopped} AS stopped FROM users WHERE id = $1");
    let row = sqlx::query(&sql).bind(user_id).fetch_one(&mut **tx).await?;
    Ok(flag(row.try_get("stopped")?))
}

pub async fn reset_password_failures(
    tx: &mut Tx,
    user_id: i64,
    kind: PasswordKind,
) -> Result<(), sqlx::Error> {
    let (failures, _) = columns(kind);
    let sql = format!("UPDATE users SET {failures} = 0 WHERE id = $1 AND {failures} <> 0");
    sqlx::query(&sql).bind(user_id).execute(&mut **tx).await?;
    Ok(())
}

/// Releases a stopped password (bank operator or, later, the master user).
pub async fn release_password(
    tx: &mut Tx,
    user_id: i64,
    kind: PasswordKind,
) -> Result<bool, sqlx::Error> {
    let (failures, stopped) = columns(kind);
    let sql = format!("UPDATE users SET {failures} = 0, {stopped} = 0 WHERE id = $1");
    Ok(sqlx::query(&sql)
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 1)
}

/// Registers a ワンタイムパスワード (its first code was right, at `step`),
/// and whether the session presented the user's certificate. Only when none
/// is registered: registering twice at once keeps one.
pub async fn register_otp(
    tx: &mut Tx,
    user_id: i64,
    secret: &OtpSecretText,
    step: i64,
    with_certificate: bool,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET otp_secret = $2, otp_last_step = $3, otp_failures = 0, otp_stopped = 0, \
         otp_with_certificate = $4 WHERE id = $1 AND otp_secret IS NULL",
    )
    .bind(user_id)
    .bind(secret.expose())
    .bind(step)
    .bind(i64::from(with_certificate))
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Accepts a right code of time step `step` once: a compare-and-set on the
/// last step used, so that the same code (a replay, or two requests at
/// once) passes only once. Clears the failure counter.
pub async fn use_otp_step(tx: &mut Tx, user_id: i64, step: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET otp_last_step = $2, otp_failures = 0 \
         WHERE id = $1 AND otp_stopped = 0 AND (otp_last_step IS NULL OR otp_last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes a user's ワンタイムパスワード (the master user or the bank):
/// the user may register a new one. `false` when none was registered.
pub async fn reset_otp(tx: &mut Tx, user_id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET otp_secret = NULL, otp_last_step = NULL, otp_failures = 0, otp_stopped = 0, \
         otp_with_certificate = 0 WHERE id = $1 AND otp_secret IS NOT NULL",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The users of a contract who registered a ワンタイムパスワード, with
/// whether it is stopped.
pub async fn otp_holders_in_contract(
    pool: &sqlx::AnyPool,
    contract_id: i64,
) -> Result<Vec<(LoginId, String, bool)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT login_id, name, otp_stopped FROM users \
         WHERE contract_id = $1 AND otp_secret IS NOT NULL ORDER BY login_id",
    )
    .bind(contract_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let login_id: String = r.try_get("login_id")?;
            Ok((
                LoginId::parse(&login_id).map_err(|_| decode_error("login_id"))?,
                r.try_get("name")?,
                flag(r.try_get("otp_stopped")?),
            ))
        })
        .collect()
}

/// A successful login: clear the counter and remember the time.
pub async fn record_login(tx: &mut Tx, user_id: i64, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET login_failures = 0, last_login_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(at.to_db())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One row of a contract's user list, with the user's newest certificate.
#[derive(Clone, Debug)]
pub struct UserWithCertificate {
    pub user_id: i64,
    pub login_id: LoginId,
    pub name: String,
    pub role: Role,
    pub certificate: Option<CertificateRecord>,
}

/// The newest certificate of a user: the latest 発行日時, ties broken by id.
const NEWEST_CERTIFICATE: &str = "(SELECT c2.id FROM certificates c2 WHERE c2.user_id = u.id \
     ORDER BY c2.not_before DESC, c2.id DESC LIMIT 1)";

/// The columns of one listed user, as the list and the single read return them.
struct ListedColumns(
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const LISTED_COLUMNS: &str =
    "u.id, u.login_id, u.name, u.role, c.serial, c.state, c.not_after, c.revoked_at, c.revocation_reason, \
     c.suspended_at, c.suspended_by";

impl ListedColumns {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self(
            r.try_get("id")?,
            r.try_get("login_id")?,
            r.try_get("name")?,
            r.try_get("role")?,
            r.try_get("serial")?,
            r.try_get("state")?,
            r.try_get("not_after")?,
            r.try_get("revoked_at")?,
            r.try_get("revocation_reason")?,
            r.try_get("suspended_at")?,
            r.try_get("suspended_by")?,
        ))
    }

    fn into_listed(self) -> Result<UserWithCertificate, sqlx::Error> {
        let Self(
            user_id,
            login_id,
            name,
            role,
            serial,
            state,
            not_after,
            revoked_at,
            reason,
            suspended_at,
            suspended_by,
        ) = self;
        let certificate = match serial {
            None => None,
            Some(serial) => {
                let state = state.ok_or_else(|| decode_error("state"))?;
                let not_after = not_after.ok_or_else(|| decode_error("not_after"))?;
                Some(CertificateRecord {
                    serial: CertificateSerial::parse(&serial)
                        .map_err(|_| decode_error("serial"))?,
                    state: CertificateState::from_db(&state)
                        .ok_or_else(|| decode_error("state"))?,
                    not_after: Timestamp::from_db(&not_after)
                        .ok_or_else(|| decode_error("not_after"))?,
                    revoked_at: revoked_at.as_deref().and_then(Timestamp::from_db),
                    revocation_reason: reason.as_deref().and_then(RevocationReason::from_db),
                    suspended_at: suspended_at.as_deref().and_then(Timestamp::from_db),
                    held_by_bank: suspended_by.as_deref() == Some(Actor::BankOperator.as_str()),
                })
            }
        };
        Ok(UserWithCertificate {
            user_id,
            login_id: LoginId::parse(&login_id).map_err(|_| decode_error("login_id"))?,
            name,
            role: Role::from_db(&role).ok_or_else(|| decode_error("role"))?,
            certificate,
        })
    }
}

/// Every user of a contract with their newest certificate, by ログインID.
pub async fn list_with_certificates(
    db: &Db,
    contract_id: i64,
) -> Result<Vec<UserWithCertificate>, sqlx::Error> {
    let sql = format!(
        "SELECT {LISTED_COLUMNS} FROM users u LEFT JOIN certificates c ON c.id = {NEWEST_CERTIFICATE} \
         WHERE u.contract_id = $1 ORDER BY u.login_id"
    );
    let rows = sqlx::query(&sql)
        .bind(contract_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| ListedColumns::from_row(r)?.into_listed())
        .collect()
}

/// One user of a contract with their newest certificate; `None` when the
/// login ID does not exist in this contract (other contracts look the same).
pub async fn find_with_certificate<'e, E>(
    db: E,
    contract_id: i64,
    login_id: &LoginId,
) -> Result<Option<UserWithCertificate>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let sql = format!(
        "SELECT {LISTED_COLUMNS} FROM users u LEFT JOIN certificates c ON c.id = {NEWEST_CERTIFICATE} \
         WHERE u.contract_id = $1 AND u.login_id = $2"
    );
    let row = sqlx::query(&sql)
        .bind(contract_id)
        .bind(login_id.as_str())
        .fetch_optional(db)
        .await?;
    row.as_ref()
        .map(|r| ListedColumns::from_row(r)?.into_listed())
        .transpose()
}
