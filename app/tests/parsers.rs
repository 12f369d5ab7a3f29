//! What a form or a query can send, parsed at the edge (issue 25): a ログインID,
//! a serial, a 発行用コード, the 操作履歴 filter's dates, user and action. Any
//! text gets a value or a refusal, never a panic; what is accepted is what
//! the rule says. CI runs proptest's default number of cases;
//! `PROPTEST_CASES=20000 cargo test -p kanri-app --features ssr --test
//! parsers` is the long run.

use chrono::{TimeZone, Utc};
use kanri_app::domain::history::{parse_history_filter, HistoryFilterForm};
use kanri_app::domain::{CertificateSerial, IssuanceCode, LoginId, Timestamp, TypedLoginId};
use proptest::prelude::*;

/// Text as a hostile client types it: any characters, or ones near the
/// valid shapes (digits, dashes, hex, signs, very long years).
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,64}",
        "[0-9a-fA-F+\\-:T ]{0,40}",
        "[+\\-]?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}",
    ]
}

proptest! {
    #[test]
    fn a_login_id_is_accepted_only_in_its_shape(text in typed()) {
        if let Ok(id) = LoginId::parse(&text) {
            prop_assert!((6..=12).contains(&id.as_str().len()));
            prop_assert!(id.as_str().bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        let typed = TypedLoginId::new(&text);
        prop_assert!(typed.typed().chars().count() <= 32);
        prop_assert!(!typed.typed().chars().any(char::is_control));
    }

    #[test]
    fn a_serial_or_a_code_of_any_text_is_parsed_or_refused(text in typed()) {
        let _ = CertificateSerial::parse(&text);
        let _ = IssuanceCode::parse(&text);
    }

    #[test]
    fn any_history_filter_gives_a_window_within_the_100_days(
        from in typed(), to in typed(), user in typed(), action in typed()
    ) {
        let now = Timestamp(Utc.with_ymd_and_hms(2026, 12, 7, 3, 0, 0).unwrap());
        let form = HistoryFilterForm { from, to, user, action };
        let filter = parse_history_filter(&form, &[], now);
        prop_assert!(filter.from.0 < filter.until.0, "{filter:?}");
        prop_assert!(filter.until.0 - filter.from.0 <= chrono::Duration::days(101), "{filter:?}");
        prop_assert!(filter.user.is_none(), "no user of another contract");
    }
}
