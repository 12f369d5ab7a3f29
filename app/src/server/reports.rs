//! 証明書状態照会 and 操作履歴照会: read-only views of one contract, for its
//! master and admin users.

use super::audit::{reason_label, AuditAction};
use super::db::audit::{self as audit_db, HistoryQuery, HistoryRow};
use super::db::users::{self, UserRecord};
use super::AppState;
use crate::domain::certificate::days_left;
use crate::domain::{CertificateStatus, Timestamp};
use crate::error::AppError;
use crate::models::{AuditFilterForm, AuditRow, OverviewRow, OverviewSort, Page};
use chrono::{Duration, FixedOffset, NaiveDate, TimeZone, Utc};

pub const OVERVIEW_PAGE_SIZE: usize = 50;
pub const HISTORY_PAGE_SIZE: usize = 50;
/// 操作履歴照会 shows this many days back.
pub const HISTORY_DAYS: i64 = 100;
/// The CSV download stops here; a filter narrows it.
pub const CSV_MAX_ROWS: i64 = 100_000;

pub struct Overview {
    pub counts: [usize; 5],
    pub rows: Vec<OverviewRow>,
    pub page: Page,
}

fn page_of(requested: usize, total_rows: usize, size: usize) -> Page {
    let count = total_rows.div_ceil(size).max(1);
    Page {
        number: requested.clamp(1, count),
        count,
        total_rows,
    }
}

/// Every user of the contract with their 証明書状態, counted, sorted and paged.
/// The whole contract is read (counts need it; 1,000 users is one indexed
/// query), the page is cut in memory.
pub async fn certificate_overview(
    state: &AppState,
    actor: &UserRecord,
    sort: OverviewSort,
    descending: bool,
    page: usize,
) -> Result<Overview, AppError> {
    let now = Timestamp::now();
    let listed = users::list_with_certificates(&state.db, actor.contract_id).await?;
    // [未発行, 発行済み, 期限間近, 有効期限切れ, 失効済み]
    let mut counts = [0usize; 5];
    let mut rows: Vec<(CertificateStatus, OverviewRow)> = listed
        .iter()
        .map(|u| {
            let status = CertificateStatus::derive(
                u.certificate.as_ref().map(|c| (c.state, c.not_after)),
                now,
            );
            match status {
                CertificateStatus::NotIssued => counts[0] += 1,
                CertificateStatus::Issued { expiring_soon } => {
                    counts[1] += 1;
                    if expiring_soon {
                        counts[2] += 1;
                    }
                }
                CertificateStatus::Expired => counts[3] += 1,
                CertificateStatus::Revoked => counts[4] += 1,
            }
            let live = matches!(
                status,
                CertificateStatus::Issued { .. } | CertificateStatus::Expired
            );
            let cert = u.certificate.as_ref().filter(|_| live);
            let row = OverviewRow {
                login_id: u.login_id.to_string(),
                name: u.name.clone(),
                role_label: u.role.label().to_owned(),
                status_label: status.label().to_owned(),
                expiring_soon: matches!(
                    status,
                    CertificateStatus::Issued {
                        expiring_soon: true
                    }
                ),
                expired: status == CertificateStatus::Expired,
                not_after_jst: cert.map(|c| c.not_after.jst()),
                days_left: cert.map(|c| days_left(c.not_after, now)),
            };
            (status, row)
        })
        .collect();
    let status_rank = |s: &CertificateStatus| match s {
        CertificateStatus::Expired => 0,
        CertificateStatus::Issued {
            expiring_soon: true,
        } => 1,
        CertificateStatus::Issued {
            expiring_soon: false,
        } => 2,
        CertificateStatus::Revoked => 3,
        CertificateStatus::NotIssued => 4,
    };
    rows.sort_by(|(sa, a), (sb, b)| {
        let primary = match sort {
            OverviewSort::LoginId => a.login_id.cmp(&b.login_id),
            OverviewSort::Name => a.name.cmp(&b.name),
            OverviewSort::Role => a.role_label.cmp(&b.role_label),
            OverviewSort::Status => status_rank(sa).cmp(&status_rank(sb)),
            // Users without a live certificate sort after every date.
            OverviewSort::NotAfter => a
                .days_left
                .unwrap_or(i64::MAX)
                .cmp(&b.days_left.unwrap_or(i64::MAX)),
        };
        let primary = if descending {
            primary.reverse()
        } else {
            primary
        };
        primary.then_with(|| a.login_id.cmp(&b.login_id))
    });
    let page = page_of(page, rows.len(), OVERVIEW_PAGE_SIZE);
    let rows = rows
        .into_iter()
        .skip((page.number - 1) * OVERVIEW_PAGE_SIZE)
        .take(OVERVIEW_PAGE_SIZE)
        .map(|(_, r)| r)
        .collect();
    Ok(Overview { counts, rows, page })
}

fn japan() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9")
}

/// Midnight (Japan time) at the start of `date`, as UTC.
fn start_of_jst_day(date: NaiveDate) -> Timestamp {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    Timestamp(
        japan()
            .from_local_datetime(&midnight)
            .single()
            .expect("no DST in Japan")
            .with_timezone(&Utc),
    )
}

/// The filter as the query will apply it, and a message when part of what
/// was typed could not be used.
pub struct HistoryFilter {
    pub form: AuditFilterForm,
    pub from: Timestamp,
    pub until: Timestamp,
    pub message: Option<String>,
    pub window_start: NaiveDate,
}

/// Reads the typed filter: dates `YYYY-MM-DD` (Japan time, `to` inclusive),
/// clamped to the last 100 days; unknown users or actions are ignored.
pub fn parse_history_filter(
    raw: &AuditFilterForm,
    known_users: &[String],
    now: Timestamp,
) -> HistoryFilter {
    let today = now.0.with_timezone(&japan()).date_naive();
    let window_start = today - Duration::days(HISTORY_DAYS - 1);
    let mut problems = Vec::new();
    let mut date = |raw: &str, label: &str| -> Option<NaiveDate> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(format!("{label}は YYYY-MM-DD の形式で入力してください"));
                None
            }
        }
    };
    let mut from = date(&raw.from, "開始日").unwrap_or(window_start);
    let mut to = date(&raw.to, "終了日").unwrap_or(today);
    if from < window_start {
        problems.push(format!("操作履歴は過去{HISTORY_DAYS}日分を表示します"));
        from = window_start;
    }
    if to > today {
        to = today;
    }
    if to < from {
        problems.push("終了日は開始日以降の日付を入力してください".to_owned());
        to = from;
    }
    let user = if known_users.iter().any(|u| u == raw.user.trim()) {
        raw.user.trim().to_owned()
    } else {
        String::new()
    };
    let action = AuditAction::from_db(raw.action.trim())
        .map(|a| a.as_db().to_owned())
        .unwrap_or_default();
    HistoryFilter {
        form: AuditFilterForm {
            from: from.to_string(),
            to: to.to_string(),
            user,
            action,
        },
        from: start_of_jst_day(from),
        until: start_of_jst_day(to + Duration::days(1)),
        message: (!problems.is_empty()).then(|| format!("{}。", problems.join("。"))),
        window_start,
    }
}

impl HistoryFilter {
    /// The query this filter asks of one contract's 操作履歴.
    fn query<'a>(&'a self, contract_code: &'a str) -> HistoryQuery<'a> {
        HistoryQuery {
            contract_code,
            from: self.from,
            until: self.until,
            actor: &self.form.user,
            action: &self.form.action,
        }
    }
}

fn to_audit_row(r: HistoryRow) -> AuditRow {
    let outcome_label = if r.outcome == "success" {
        "成功".to_owned()
    } else {
        format!(
            "失敗（{}）",
            r.reason.as_deref().map(reason_label).unwrap_or("理由不明")
        )
    };
    AuditRow {
        occurred_jst: Timestamp::from_db(&r.occurred_at)
            .map(Timestamp::jst)
            .unwrap_or(r.occurred_at),
        actor: r.actor,
        action_label: AuditAction::from_db(&r.action)
            .map(AuditAction::label)
            .unwrap_or("その他")
            .to_owned(),
        target: r.target.unwrap_or_default(),
        outcome_label,
    }
}

/// The login IDs of the actor's contract (the 利用者 filter's choices).
pub async fn contract_users(
    state: &AppState,
    actor: &UserRecord,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(users::list_with_certificates(&state.db, actor.contract_id)
        .await?
        .into_iter()
        .map(|u| (u.login_id.to_string(), u.name))
        .collect())
}

pub struct History {
    pub rows: Vec<AuditRow>,
    pub page: Page,
}

pub async fn audit_history(
    state: &AppState,
    actor: &UserRecord,
    filter: &HistoryFilter,
    page: usize,
) -> Result<History, AppError> {
    let q = filter.query(&actor.contract_code);
    let total = audit_db::history_count(state.db.pool(), &q).await?.max(0) as usize;
    let page = page_of(page, total, HISTORY_PAGE_SIZE);
    let offset = ((page.number - 1) * HISTORY_PAGE_SIZE) as i64;
    let rows = audit_db::history(state.db.pool(), &q, HISTORY_PAGE_SIZE as i64, offset).await?;
    Ok(History {
        rows: rows.into_iter().map(to_audit_row).collect(),
        page,
    })
}

/// Every filtered row as CSV: UTF-8 with a BOM (so Excel reads Japanese),
/// CRLF, fields quoted; a leading `= + - @` is defused so that a spreadsheet
/// never runs user-typed text as a formula.
pub async fn audit_csv(
    state: &AppState,
    actor: &UserRecord,
    filter: &HistoryFilter,
) -> Result<String, AppError> {
    let q = filter.query(&actor.contract_code);
    let rows = audit_db::history(state.db.pool(), &q, CSV_MAX_ROWS, 0).await?;
    let mut csv = String::from("\u{FEFF}日時,利用者,操作内容,対象,結果\r\n");
    for row in rows.into_iter().map(to_audit_row) {
        let fields = [
            row.occurred_jst,
            row.actor,
            row.action_label,
            row.target,
            row.outcome_label,
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

    fn now() -> Timestamp {
        Timestamp(
            chrono::DateTime::parse_from_rfc3339("2026-11-24T03:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn filter_defaults_to_the_last_hundred_days_in_japan_time() {
        let f = parse_history_filter(&AuditFilterForm::default(), &[], now());
        assert_eq!(f.form.to, "2026-11-24");
        assert_eq!(f.form.from, "2026-08-17");
        assert_eq!(f.from.to_db(), "2026-08-16T15:00:00.000000Z");
        assert_eq!(f.until.to_db(), "2026-11-24T15:00:00.000000Z");
        assert!(f.message.is_none());
    }

    #[test]
    fn filter_clamps_old_dates_and_reports_bad_ones() {
        let raw = AuditFilterForm {
            from: "2020-01-01".into(),
            to: "2026/11/01".into(),
            user: "x".into(),
            action: "drop".into(),
        };
        let f = parse_history_filter(&raw, &["master01".into()], now());
        assert_eq!(f.form.from, "2026-08-17");
        assert_eq!(f.form.user, "");
        assert_eq!(f.form.action, "");
        let message = f.message.unwrap();
        assert!(
            message.contains("過去100日分") && message.contains("YYYY-MM-DD"),
            "{message}"
        );
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        assert_eq!(csv_field("データ専子"), "\"データ専子\"");
    }
}
