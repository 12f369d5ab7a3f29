//! 操作履歴照会's filter: what was typed, and the bounds the query uses.
//! Dates are Japan-time days; the window is the last [`HISTORY_DAYS`] days.

use super::audit::{AuditAction, AuditOutcome};
use super::time::japan;
use super::{LoginId, Timestamp};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// 操作履歴照会 shows this many days back.
pub const HISTORY_DAYS: i64 = 100;

/// The filter fields as typed (dates `YYYY-MM-DD`, Japan time). Kept as
/// text: the form shows back what was typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryFilterForm {
    pub from: String,
    pub to: String,
    pub user: String,
    pub action: String,
}

/// The filter as the query applies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryFilter {
    /// What the form shows after the filter was understood.
    pub form: HistoryFilterForm,
    /// UTC bounds: `from` inclusive, `until` exclusive.
    pub from: Timestamp,
    pub until: Timestamp,
    pub user: Option<LoginId>,
    pub action: Option<AuditAction>,
    /// Why part of what was typed could not be used.
    pub message: Option<String>,
    /// The earliest day that can be asked for.
    pub window_start: NaiveDate,
}

/// Midnight (Japan time) at the start of `date`, as UTC.
fn start_of_jst_day(date: NaiveDate) -> Timestamp {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    Timestamp(
        japan()
            .from_local_datetime(&midnight)
            .single()
            .expect("Japan has no daylight saving time")
            .with_timezone(&Utc),
    )
}

/// Reads the typed filter: dates `YYYY-MM-DD` (Japan time, `to` inclusive),
/// clamped to the window; users outside `known_users` and unknown actions
/// are ignored.
pub fn parse_history_filter(
    raw: &HistoryFilterForm,
    known_users: &[LoginId],
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
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| problems.push(format!("{label}は YYYY-MM-DD の形式で入力してください")))
            .ok()
    };
    let mut from = date(&raw.from, "開始日").unwrap_or(window_start);
    let mut to = date(&raw.to, "終了日").unwrap_or(today);
    if from < window_start {
        problems.push(format!("操作履歴は過去{HISTORY_DAYS}日分を表示します"));
        from = window_start;
    }
    // A date after today (chrono reads years up to ±262142) would leave
    // nothing to show and, a day later, nothing to compute with.
    if from > today {
        problems.push("開始日は本日以前の日付を入力してください".to_owned());
        from = today;
    }
    to = to.min(today);
    if to < from {
        problems.push("終了日は開始日以降の日付を入力してください".to_owned());
        to = from;
    }
    let user = known_users
        .iter()
        .find(|u| u.as_str() == raw.user.trim())
        .cloned();
    let action = AuditAction::from_db(raw.action.trim());
    HistoryFilter {
        form: HistoryFilterForm {
            from: from.to_string(),
            to: to.to_string(),
            user: user.as_ref().map(LoginId::to_string).unwrap_or_default(),
            action: action.map(|a| a.as_db().to_owned()).unwrap_or_default(),
        },
        from: start_of_jst_day(from),
        // `to` is at most today, so the next day exists.
        until: start_of_jst_day(to.succ_opt().unwrap_or(to)),
        user,
        action,
        message: (!problems.is_empty()).then(|| format!("{}。", problems.join("。"))),
        window_start,
    }
}

/// One row of 操作履歴 as the screen and the CSV show it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditRow {
    pub occurred_at: Timestamp,
    pub actor: String,
    /// `None` for an action this version does not know.
    pub action: Option<AuditAction>,
    pub target: String,
    pub outcome: AuditOutcome,
}

impl AuditRow {
    pub fn action_label(&self) -> &'static str {
        self.action.map_or("その他", AuditAction::label)
    }
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
        let f = parse_history_filter(&HistoryFilterForm::default(), &[], now());
        assert_eq!(f.form.to, "2026-11-24");
        assert_eq!(f.form.from, "2026-08-17");
        assert_eq!(f.from.to_db(), "2026-08-16T15:00:00.000000Z");
        assert_eq!(f.until.to_db(), "2026-11-24T15:00:00.000000Z");
        assert!(f.message.is_none());
    }

    #[test]
    fn filter_clamps_old_dates_and_reports_bad_ones() {
        let raw = HistoryFilterForm {
            from: "2020-01-01".into(),
            to: "2026/11/01".into(),
            user: "x".into(),
            action: "drop".into(),
        };
        let f = parse_history_filter(&raw, &[LoginId::parse("master01").unwrap()], now());
        assert_eq!(f.form.from, "2026-08-17");
        assert_eq!((f.user, f.action), (None, None));
        assert_eq!((f.form.user.as_str(), f.form.action.as_str()), ("", ""));
        let message = f.message.unwrap();
        assert!(
            message.contains("過去100日分") && message.contains("YYYY-MM-DD"),
            "{message}"
        );
    }

    #[test]
    fn a_date_in_the_far_future_is_reported_not_a_panic() {
        // Regression (issue 25): `from=+262142-12-31` overflowed a day later.
        for (from, to) in [
            ("+262142-12-31", ""),
            ("+262142-12-31", "+262142-12-31"),
            ("", "+262142-12-31"),
        ] {
            let raw = HistoryFilterForm {
                from: from.into(),
                to: to.into(),
                ..Default::default()
            };
            let f = parse_history_filter(&raw, &[], now());
            assert!(f.from <= f.until, "{from} {to}");
            assert!(f.form.to.as_str() <= "2026-11-24", "{}", f.form.to);
        }
    }

    #[test]
    fn known_users_and_actions_are_kept_typed() {
        let raw = HistoryFilterForm {
            user: " master01 ".into(),
            action: "certificate_revoke".into(),
            ..Default::default()
        };
        let f = parse_history_filter(&raw, &[LoginId::parse("master01").unwrap()], now());
        assert_eq!(f.user.unwrap().as_str(), "master01");
        assert_eq!(f.action, Some(AuditAction::CertificateRevoke));
        assert_eq!(f.form.action, "certificate_revoke");
    }

    #[test]
    fn an_end_before_the_start_is_reported_and_made_one_day() {
        let raw = HistoryFilterForm {
            from: "2026-11-20".into(),
            to: "2026-11-10".into(),
            ..Default::default()
        };
        let f = parse_history_filter(&raw, &[], now());
        assert_eq!(
            (f.form.from.as_str(), f.form.to.as_str()),
            ("2026-11-20", "2026-11-20")
        );
        assert!(f.message.unwrap().contains("終了日は開始日以降"));
    }
}
