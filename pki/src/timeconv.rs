//! Conversions between chrono (the app's time type) and the time types of the
//! ASN.1 libraries, all truncated to whole seconds.
//!
//! X.509 and OCSP times carry no fractions here, so truncating once at the
//! boundary means what a caller reads back is exactly what was written.

use chrono::{DateTime, TimeZone, Utc};

/// A time outside what X.509 can encode (before 1970 or after 9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("time {0} cannot be encoded in a certificate")]
pub struct TimeOutOfRange(pub DateTime<Utc>);

/// Drops sub-second precision.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    // Whole seconds of a valid DateTime always form a valid DateTime.
    Utc.timestamp_opt(t.timestamp(), 0).single().unwrap_or(t)
}

fn unix_seconds(t: DateTime<Utc>) -> Result<u64, TimeOutOfRange> {
    let secs = u64::try_from(t.timestamp()).map_err(|_| TimeOutOfRange(t))?;
    // 9999-12-31T23:59:59Z, the last instant GeneralizedTime can hold.
    if secs > 253_402_300_799 {
        return Err(TimeOutOfRange(t));
    }
    Ok(secs)
}

/// For rcgen.
pub fn to_offset(t: DateTime<Utc>) -> Result<time::OffsetDateTime, TimeOutOfRange> {
    let secs = unix_seconds(t)?;
    time::OffsetDateTime::from_unix_timestamp(secs as i64).map_err(|_| TimeOutOfRange(t))
}

/// For the OCSP types (der 0.7).
pub fn to_generalized(t: DateTime<Utc>) -> Result<der::asn1::GeneralizedTime, TimeOutOfRange> {
    let secs = unix_seconds(t)?;
    der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|_| TimeOutOfRange(t))
}

/// From x509-parser.
pub fn from_asn1(t: x509_parser::time::ASN1Time) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(t.timestamp(), 0).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_drops_microseconds_only() {
        let t = Utc.with_ymd_and_hms(2020, 3, 4, 6, 36, 56).unwrap()
            + chrono::Duration::microseconds(560_435);
        let cut = truncate(t);
        assert_eq!(cut.timestamp(), t.timestamp());
        assert_eq!(cut.timestamp_subsec_nanos(), 0);
    }

    #[test]
    fn times_before_1970_and_after_9999_are_refused() {
        let early = Utc.with_ymd_and_hms(1969, 12, 31, 0, 0, 0).unwrap();
        let late = Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap();
        assert!(to_offset(early).is_err());
        assert!(to_generalized(late).is_err());
    }

    #[test]
    fn conversions_keep_the_instant() {
        let t = Utc.with_ymd_and_hms(2051, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(to_offset(t).unwrap().unix_timestamp(), t.timestamp());
        let g = to_generalized(t).unwrap();
        assert_eq!(g.to_unix_duration().as_secs() as i64, t.timestamp());
    }
}
