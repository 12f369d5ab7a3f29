//! 証明書発行履歴 and its CSV download (issue 26): every certificate ever
//! issued to the users of the actor's contract, newest first, of one user
//! when the filter names one of the contract's.

use crate::db::certificates::{self, RegisterRecord};
use crate::db::users::UserRecord;
use crate::domain::paging::PAGE_SIZE;
use crate::domain::register::{IssuedVia, RegisterRow, RegisterState};
use crate::domain::{LoginId, Page, Timestamp};
use crate::error::AppError;
use crate::state::AppState;
use crate::use_cases::operation_history::{csv_field, CSV_MAX_ROWS};

/// The filter as understood: the user it names, if one of the contract's;
/// and why it was ignored, if it was.
pub struct RegisterFilter {
    pub user: Option<LoginId>,
    pub message: Option<String>,
}

/// `raw` (the 利用者 field as sent) against the contract's users: another
/// contract's login ID is not found, whatever it is.
pub fn filter(raw: &str, users: &[(LoginId, String)]) -> RegisterFilter {
    let raw = raw.trim();
    if raw.is_empty() {
        return RegisterFilter {
            user: None,
            message: None,
        };
    }
    match users.iter().find(|(id, _)| id.as_str() == raw) {
        Some((id, _)) => RegisterFilter {
            user: Some(id.clone()),
            message: None,
        },
        None => RegisterFilter {
            user: None,
            message: Some("指定の利用者はこの契約にいません。すべての利用者を表示します。".into()),
        },
    }
}

pub struct Register {
    pub rows: Vec<RegisterRow>,
    pub page: Page,
}

fn to_row(r: RegisterRecord, now: Timestamp) -> RegisterRow {
    RegisterRow {
        state: RegisterState::of(
            r.state,
            r.not_after,
            r.revocation_reason,
            r.suspended_at.is_some(),
            now,
        ),
        login_id: r.login_id,
        common_name: r.common_name,
        serial: r.serial,
        issued_at: r.not_before,
        not_after: r.not_after,
        via: r.issued_via,
    }
}

pub async fn register(
    state: &AppState,
    actor: &UserRecord,
    filter: &RegisterFilter,
    page: usize,
) -> Result<Register, AppError> {
    let pool = state.db.pool();
    let user = filter.user.as_ref();
    let total = certificates::register_count(pool, actor.contract_id, user).await?;
    let page = Page::of(page, total.max(0) as usize);
    let now = state.clock.now();
    let rows = certificates::register(
        pool,
        actor.contract_id,
        user,
        PAGE_SIZE as i64,
        page.offset() as i64,
    )
    .await?;
    Ok(Register {
        rows: rows.into_iter().map(|r| to_row(r, now)).collect(),
        page,
    })
}

/// Every row the filter selects as CSV, as 操作履歴's: UTF-8 with a BOM,
/// CRLF, fields quoted, formulas defused.
pub async fn csv(
    state: &AppState,
    actor: &UserRecord,
    filter: &RegisterFilter,
) -> Result<String, AppError> {
    let now = state.clock.now();
    let rows = certificates::register(
        state.db.pool(),
        actor.contract_id,
        filter.user.as_ref(),
        CSV_MAX_ROWS,
        0,
    )
    .await?;
    let mut csv = String::from(
        "\u{FEFF}ログインID,Common Name,シリアル番号,発行日時,有効期限,発行方法,状態\r\n",
    );
    for row in rows.into_iter().map(|r| to_row(r, now)) {
        let fields = [
            row.login_id.to_string(),
            row.common_name,
            row.serial.to_string(),
            row.issued_at.jst(),
            row.not_after.jst(),
            IssuedVia::label(row.via).to_owned(),
            row.state.label(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    Ok(csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_contracts_users_filter() {
        let users = vec![(LoginId::parse("admin01").unwrap(), "管理 太郎".to_owned())];
        assert_eq!(filter("admin01", &users).user.unwrap().as_str(), "admin01");
        let other = filter("master02", &users);
        assert!(other.user.is_none() && other.message.is_some());
        let all = filter("  ", &users);
        assert!(all.user.is_none() && all.message.is_none());
    }
}
