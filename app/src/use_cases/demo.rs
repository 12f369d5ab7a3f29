//! The demo data of SPEC section 6, loaded into a new database in demo mode.
//! Dates are relative to the moment of loading.

use super::issuance::KeyMethod;
use super::operator::{self, NewUserInput, OperatorError};
use crate::db::contracts;
use crate::domain::secret::Password;
use crate::domain::user::InvalidInput;
use crate::domain::{LoginId, RevocationReason, Role, Timestamp};
use crate::state::AppState;
use chrono::Duration;

pub const DEMO_LOGIN_PASSWORD: &str = "Login-Pass-01";
pub const DEMO_CONFIRMATION_PASSWORD: &str = "Kakunin-Pass-01";

/// A demo user's certificate, relative to now.
#[derive(Clone, Copy)]
enum DemoCert {
    ExpiresInDays(i64),
    ExpiredDaysAgo(i64),
    Revoked,
    None,
}

const CONTRACTS: [(&str, &str, &str); 2] = [
    ("A001", "株式会社群馬サンプル商事", "本店営業部"),
    ("B002", "株式会社赤城テスト工業", "前橋支店"),
];

const USERS: [(&str, &str, &str, Role, DemoCert); 9] = [
    (
        "A001",
        "master01",
        "群馬 太郎",
        Role::Master,
        DemoCert::ExpiresInDays(200),
    ),
    (
        "A001",
        "admin01",
        "管理 花子",
        Role::Admin,
        DemoCert::ExpiresInDays(25),
    ),
    (
        "A001",
        "sachikodt",
        "データ専子",
        Role::General,
        DemoCert::ExpiresInDays(300),
    ),
    (
        "A001",
        "logid031",
        "上州 一郎",
        Role::General,
        DemoCert::ExpiresInDays(120),
    ),
    (
        "A001",
        "expired01",
        "期限 切子",
        Role::General,
        DemoCert::ExpiredDaysAgo(10),
    ),
    (
        "A001",
        "revoked01",
        "失効 済男",
        Role::General,
        DemoCert::Revoked,
    ),
    (
        "A001",
        "noissue01",
        "未発行 次郎",
        Role::General,
        DemoCert::None,
    ),
    (
        "B002",
        "master02",
        "赤城 三郎",
        Role::Master,
        DemoCert::ExpiresInDays(180),
    ),
    (
        "B002",
        "user02",
        "榛名 四郎",
        Role::General,
        DemoCert::ExpiresInDays(90),
    ),
];

fn demo_user(login_id: &str, name: &str, role: Role) -> NewUserInput {
    NewUserInput {
        login_id: login_id.into(),
        name: name.into(),
        role,
        email: format!("{login_id}@example.jp"),
        login_password: Password::new(DEMO_LOGIN_PASSWORD.into()),
        confirmation_password: Password::new(DEMO_CONFIRMATION_PASSWORD.into()),
    }
}

/// Where the demo users' `.p12` files are written, under the data folder.
pub const CERTIFICATE_FOLDER: &str = "demo-certificates";
/// The import password of every demo `.p12` (SPEC 7.7).
pub const DEMO_P12_PASSWORD: &str = "Demo-P12-01";

/// Issues a demo user's real certificate, valid one year from `issued_at`,
/// and writes its `.p12` to `folder`.
async fn issue_demo_certificate(
    state: &AppState,
    login_id: &LoginId,
    issued_at: Timestamp,
    folder: &std::path::Path,
) -> Result<(), OperatorError> {
    let method = KeyMethod::ServerKey(kanri_pki::Passphrase::new(DEMO_P12_PASSWORD));
    let prepared = operator::issue_certificate(state, login_id, method, issued_at).await?;
    let p12 = prepared.pkcs12.unwrap_or_default();
    std::fs::write(folder.join(format!("{login_id}.p12")), p12)
        .map_err(|e| OperatorError::Input(format!("{}: {e}", folder.display())))?;
    Ok(())
}

async fn load_certificates(state: &AppState, now: Timestamp) -> Result<(), OperatorError> {
    let folder = state.config.data_dir.join(CERTIFICATE_FOLDER);
    std::fs::create_dir_all(&folder)
        .map_err(|e| OperatorError::Input(format!("{}: {e}", folder.display())))?;
    let year = Duration::days(365);
    for (_, login_id, _, _, cert) in USERS {
        let issued_at = match cert {
            DemoCert::ExpiresInDays(days) => Timestamp(now.0 + Duration::days(days) - year),
            DemoCert::ExpiredDaysAgo(days) => Timestamp(now.0 - Duration::days(days) - year),
            DemoCert::Revoked => Timestamp(now.0 - Duration::days(100)),
            DemoCert::None => continue,
        };
        // The demo's own constants: a bad one is a bug here, said at start.
        let login_id = LoginId::parse(login_id).map_err(InvalidInput::from)?;
        issue_demo_certificate(state, &login_id, issued_at, &folder).await?;
        if let DemoCert::Revoked = cert {
            operator::revoke_silently(state, &login_id, RevocationReason::Unspecified).await?;
        }
    }
    Ok(())
}

/// Loads the demo set unless contract A001 already exists. Returns whether
/// it loaded anything. Refuses a database that holds any other contract:
/// the demo's users have published passwords and never sit beside a
/// bank's customers (issue 25).
pub async fn load(state: &AppState) -> Result<bool, OperatorError> {
    if contracts::find_by_code(state.db.pool(), CONTRACTS[0].0)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    // Any contract but A001, which another instance loading at this
    // moment creates first: even a B002 of the bank's (loading would add
    // A001 and its users, then stop at B002).
    if let Some(code) = contracts::one_other_than(state.db.pool(), &[CONTRACTS[0].0]).await? {
        return Err(OperatorError::Input(format!(
            "契約 {code} があるデータベースにはデモデータを登録できません（デモのユーザのパスワードは公開されています）"
        )));
    }
    let now = state.clock.now();
    for (i, (code, name, branch)) in CONTRACTS.into_iter().enumerate() {
        let (_, login_id, user_name, role, _) = USERS
            .iter()
            .find(|u| u.0 == code && u.3 == Role::Master)
            .expect("every demo contract has a master");
        let created = operator::create_contract(
            state,
            code,
            name,
            branch,
            demo_user(login_id, user_name, *role),
        )
        .await;
        match created {
            // Several instances starting at once on one empty database: the
            // one that creates the first contract loads the rest.
            Err(OperatorError::ContractExists(_)) if i == 0 => return Ok(false),
            other => other?,
        }
    }
    for (code, login_id, name, role, _) in USERS.iter().filter(|u| u.3 != Role::Master) {
        operator::add_user(state, code, demo_user(login_id, name, *role)).await?;
    }
    load_certificates(state, now).await?;
    // B002 logs in by 電子証明書方式; A001 keeps ID and password (SPEC 7.7).
    operator::set_certificate_login(state, "B002", true).await?;
    Ok(true)
}
