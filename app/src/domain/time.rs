//! Times are stored in UTC and shown in Japan time (`2010年12月01日 08時59分59秒`).
//!
//! In the database a time is TEXT in one fixed-width RFC 3339 form
//! (`2010-11-30T23:59:59.000000Z`), so that it sorts and compares the same on
//! SQLite and PostgreSQL through sqlx's `Any` driver, which has no date type.

use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn to_db(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    pub fn from_db(value: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(value)
            .ok()
            .map(|t| Self(t.with_timezone(&Utc)))
    }

    pub fn jst(self) -> String {
        format_jst(self.0)
    }
}

/// Japan Standard Time (UTC+9; Japan has no daylight saving time).
pub fn japan() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// Formats a UTC time the way the bank's screens and manual show it.
///
/// Written out field by field rather than with a `strftime` pattern: list
/// pages format two times per row, and parsing the pattern each time showed
/// in the list page's profile.
pub fn format_jst(time: DateTime<Utc>) -> String {
    let t = time.with_timezone(&japan());
    format!(
        "{:04}年{:02}月{:02}日 {:02}時{:02}分{:02}秒",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `yyyyMMddHHmmss` + 6-digit microseconds in Japan time, as used in a certificate CN.
pub fn cn_timestamp(time: DateTime<Utc>) -> String {
    time.with_timezone(&japan())
        .format("%Y%m%d%H%M%S%6f")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_japan_time_like_the_manual() {
        let t = DateTime::parse_from_rfc3339("2010-11-30T23:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_jst(t), "2010年12月01日 08時59分59秒");
    }

    #[test]
    fn db_form_is_fixed_width_and_round_trips() {
        let t = Timestamp(
            DateTime::parse_from_rfc3339("2020-03-04T06:36:56.560435Z")
                .unwrap()
                .with_timezone(&Utc),
        );
        assert_eq!(t.to_db(), "2020-03-04T06:36:56.560435Z");
        assert_eq!(Timestamp::from_db(&t.to_db()), Some(t));
        assert_eq!(Timestamp::from_db("yesterday"), None);
    }

    #[test]
    fn cn_timestamp_matches_manual_example() {
        let t = DateTime::parse_from_rfc3339("2020-03-04T06:36:56.560435Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(cn_timestamp(t), "20200304153656560435");
    }
}
