//! 操作履歴照会 and its CSV download: one contract's 操作履歴 of the last
//! 100 days, filtered (the filter's rules are `domain::history`).

use crate::db::audit_log::{self, HistoryQuery, HistoryRow};
use crate::db::users::UserRecord;
use crate::domain::history::AuditRow;
use crate::domain::history::{parse_history_filter, HistoryFilter, HistoryFilterForm};
use crate::domain::paging::PAGE_SIZE;
use crate::domain::{LoginId, Page};
use crate::error::AppError;
use crate::state::AppState;

/// The CSV download stops here; a filter narrows it.
pub const CSV_MAX_ROWS: i64 = 100_000;

/// The contract's users (the 利用者 filter's choices).
pub async fn contract_users(
    state: &AppState,
    actor: &UserRecord,
) -> Result<Vec<(LoginId, String)>, AppError> {
    let listed = crate::db::users::list_with_certificates(&state.db, actor.contract_id).await?;
    Ok(listed
        .iter()
        .map(|u| (u.login_id.clone(), u.name.clone()))
        .collect())
}

/// The typed filter as this contract's query applies it.
pub fn filter(
    raw: &HistoryFilterForm,
    users: &[(LoginId, String)],
    state: &AppState,
) -> HistoryFilter {
    let known: Vec<LoginId> = users.iter().map(|(id, _)| id.clone()).collect();
    parse_history_filter(raw, &known, state.clock.now())
}

fn query<'a>(filter: &'a HistoryFilter, actor: &'a UserRecord) -> HistoryQuery<'a> {
    HistoryQuery {
        contract_code: &actor.contract_code,
        from: filter.from,
        until: filter.until,
        actor: filter.user.as_ref(),
        action: filter.action,
    }
}

fn to_audit_row(r: HistoryRow) -> AuditRow {
    AuditRow {
        occurred_at: r.occurred_at,
        actor: r.actor,
        action: r.action,
        target: r.target.unwrap_or_default(),
        outcome: r.outcome,
    }
}

pub struct History {
    pub rows: Vec<AuditRow>,
    pub page: Page,
}

pub async fn history(
    state: &AppState,
    actor: &UserRecord,
    filter: &HistoryFilter,
    page: usize,
) -> Result<History, AppError> {
    let q = query(filter, actor);
    let total = audit_log::history_count(state.db.pool(), &q).await?.max(0) as usize;
    let page = Page::of(page, total);
    let rows =
        audit_log::history(state.db.pool(), &q, PAGE_SIZE as i64, page.offset() as i64).await?;
    Ok(History {
        rows: rows.into_iter().map(to_audit_row).collect(),
        page,
    })
}

/// Every filtered row as CSV: UTF-8 with a BOM (so Excel reads Japanese),
/// CRLF, fields quoted; a leading `= + - @` is defused so that a spreadsheet
/// never runs user-typed text as a formula. Each row ends with its 連番 in
/// its contract's chain, its ハッシュ and the 検証用データ it was taken of
/// (a JSON array, which starts with `[` and is never defused).
pub async fn csv(
    state: &AppState,
    actor: &UserRecord,
    filter: &HistoryFilter,
) -> Result<String, AppError> {
    let rows = audit_log::history(state.db.pool(), &query(filter, actor), CSV_MAX_ROWS, 0).await?;
    let mut csv =
        String::from("\u{FEFF}日時,利用者,操作内容,対象,結果,連番,ハッシュ,検証用データ\r\n");
    for stored in rows {
        // The row's place and hash in its contract's chain, and exactly
        // what the hash was taken of (README "Verifying 操作履歴").
        let (seq, hash, preimage) = stored.chained.as_ref().map_or_else(
            || (String::new(), String::new(), String::new()),
            |c| (c.link.seq.to_string(), c.hash.clone(), c.link.preimage()),
        );
        let row = to_audit_row(stored);
        let fields = [
            row.occurred_at.jst(),
            row.actor.clone(),
            row.action_label().to_owned(),
            row.target.clone(),
            row.outcome.label(),
            seq,
            hash,
            preimage,
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    Ok(csv)
}

pub fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        assert_eq!(csv_field("データ専子"), "\"データ専子\"");
    }
}
