//! The demo data of SPEC section 6, loaded into a new database in demo mode.
//! Dates are relative to the moment of loading.

use super::db::contracts;
use super::operator::{self, NewUserInput, OperatorError};
use super::password::Password;
use super::AppState;
use crate::domain::{Role, Timestamp};
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

/// Loads the demo set unless contract A001 already exists. Returns whether
/// it loaded anything.
pub async fn load(state: &AppState) -> Result<bool, OperatorError> {
    if contracts::find_by_code(state.db.pool(), CONTRACTS[0].0)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let now = Timestamp::now();
    for (code, name, branch) in CONTRACTS {
        let (_, login_id, user_name, role, _) = USERS
            .iter()
            .find(|u| u.0 == code && u.3 == Role::Master)
            .expect("every demo contract has a master");
        operator::create_contract(
            state,
            code,
            name,
            branch,
            demo_user(login_id, user_name, *role),
        )
        .await?;
    }
    for (code, login_id, name, role, _) in USERS.iter().filter(|u| u.3 != Role::Master) {
        operator::add_user(state, code, demo_user(login_id, name, *role)).await?;
    }
    let year = Duration::days(365);
    for (_, login_id, _, _, cert) in USERS {
        match cert {
            DemoCert::ExpiresInDays(days) => {
                operator::issue_certificate(
                    state,
                    login_id,
                    Timestamp(now.0 + Duration::days(days) - year),
                )
                .await?;
            }
            DemoCert::ExpiredDaysAgo(days) => {
                operator::issue_certificate(
                    state,
                    login_id,
                    Timestamp(now.0 - Duration::days(days) - year),
                )
                .await?;
            }
            DemoCert::Revoked => {
                operator::issue_certificate(
                    state,
                    login_id,
                    Timestamp(now.0 - Duration::days(100)),
                )
                .await?;
                operator::revoke_silently(state, login_id, Some("demo")).await?;
            }
            DemoCert::None => {}
        }
    }
    Ok(true)
}
