//! 電子証明書: its serial, its stored state and the 証明書状態 people see.

use super::time::Timestamp;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How near its 有効期限 a certificate is 期限間近, and ホーム shows its
/// notice: from the first expiry reminder on (the largest of
/// `KANRI_EXPIRY_REMINDER_DAYS`, 40 days by default), so that the screen
/// says so from the day the first mail goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeWindow(i64);

impl NoticeWindow {
    /// SPEC's 40 days, the first reminder by default.
    pub const DEFAULT: NoticeWindow = NoticeWindow(40);

    /// The window that opens with the first of `reminder_days`.
    pub fn from_reminder_days(reminder_days: &[i64]) -> Self {
        reminder_days
            .iter()
            .copied()
            .max()
            .map_or(Self::DEFAULT, NoticeWindow)
    }

    /// Its length in days.
    pub fn days(self) -> i64 {
        self.0
    }
}

/// シリアル番号: 128 bits, written as 32 lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertificateSerial(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("証明書シリアル番号が正しくありません。")]
pub struct InvalidSerial;

impl CertificateSerial {
    pub fn parse(raw: &str) -> Result<Self, InvalidSerial> {
        if raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(raw.to_ascii_lowercase()))
        } else {
            Err(InvalidSerial)
        }
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 16 bytes the hex digits stand for.
    pub fn to_bytes(&self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        for (i, byte) in bytes.iter_mut().enumerate() {
            // Parsing guaranteed 32 hex digits.
            *byte = u8::from_str_radix(&self.0[2 * i..2 * i + 2], 16).unwrap_or(0);
        }
        bytes
    }
}

impl TryFrom<String> for CertificateSerial {
    type Error = InvalidSerial;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CertificateSerial> for String {
    fn from(value: CertificateSerial) -> Self {
        value.0
    }
}

impl fmt::Display for CertificateSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the database stores. Expiry is not stored: it follows from the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertificateState {
    Issued,
    Revoked,
    /// Replaced by a newer certificate of the same user (renewal or re-issue).
    Superseded,
}

impl CertificateState {
    pub fn as_db(self) -> &'static str {
        match self {
            CertificateState::Issued => "issued",
            CertificateState::Revoked => "revoked",
            CertificateState::Superseded => "superseded",
        }
    }

    pub fn from_db(value: &str) -> Option<Self> {
        match value {
            "issued" => Some(CertificateState::Issued),
            "revoked" => Some(CertificateState::Revoked),
            "superseded" => Some(CertificateState::Superseded),
            _ => None,
        }
    }
}

/// A user's newest certificate, as the status and revocation rules need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateRecord {
    pub serial: CertificateSerial,
    pub state: CertificateState,
    pub not_after: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub revocation_reason: Option<RevocationReason>,
    /// 一時停止 (certificateHold) since then, until 再開.
    pub suspended_at: Option<Timestamp>,
    /// The hold is the bank's (`contract-suspend`): only the bank releases it.
    pub held_by_bank: bool,
}

impl CertificateRecord {
    pub fn status(&self, now: Timestamp, window: NoticeWindow) -> CertificateStatus {
        let held = self.suspended_at.is_some();
        CertificateStatus::derive(Some((self.state, self.not_after, held)), now, window)
    }

    /// On hold: 発行済み and 一時停止 (a revoked certificate is no longer held).
    pub fn is_held(&self) -> bool {
        self.state == CertificateState::Issued && self.suspended_at.is_some()
    }
}

/// Why a certificate was revoked: RFC 5280 CRLReason, as SPEC 7.6 uses
/// them. Stored by name, published by code in the CRL and OCSP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RevocationReason {
    /// 証明書失効 on the screen.
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    /// 更新: replaced by the user's new certificate.
    Superseded,
    CessationOfOperation,
}

impl RevocationReason {
    pub const ALL: [RevocationReason; 5] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
    ];

    /// The stored name (RFC 5280's ASN.1 name), also the operator's `--reason`.
    pub fn as_db(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
        }
    }

    pub fn from_db(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_db() == value)
    }

    /// The CRLReason code (RFC 5280 section 5.3.1).
    pub fn code(self) -> u8 {
        match self {
            RevocationReason::Unspecified => 0,
            RevocationReason::KeyCompromise => 1,
            RevocationReason::AffiliationChanged => 3,
            RevocationReason::Superseded => 4,
            RevocationReason::CessationOfOperation => 5,
        }
    }

    /// 失効理由 as 操作履歴 and 証明書状態照会 show it.
    pub fn label(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "理由指定なし",
            RevocationReason::KeyCompromise => "鍵の危殆化",
            RevocationReason::AffiliationChanged => "所属の変更",
            RevocationReason::Superseded => "更新による置き換え",
            RevocationReason::CessationOfOperation => "利用の終了",
        }
    }
}

/// 証明書状態 as shown to people, derived from the user's newest certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertificateStatus {
    /// 未発行
    NotIssued,
    /// 発行済み; `expiring_soon` is the 期限間近 flag.
    Issued { expiring_soon: bool },
    /// 有効期限切れ
    Expired,
    /// 失効済み
    Revoked,
    /// 一時停止中 (certificateHold): until 再開 it logs in nowhere.
    Suspended,
}

impl CertificateStatus {
    /// Derives the status from the newest certificate's stored state,
    /// 有効期限 and hold. A held certificate reads 一時停止中 even once
    /// expired: the hold is what the master user can still act on (再開).
    pub fn derive(
        newest: Option<(CertificateState, Timestamp, bool)>,
        now: Timestamp,
        window: NoticeWindow,
    ) -> Self {
        match newest {
            None => CertificateStatus::NotIssued,
            Some((CertificateState::Revoked, _, _)) => CertificateStatus::Revoked,
            // A superseded certificate is never the newest one; treat it like
            // "no current certificate" rather than inventing a state.
            Some((CertificateState::Superseded, _, _)) => CertificateStatus::NotIssued,
            Some((CertificateState::Issued, _, true)) => CertificateStatus::Suspended,
            Some((CertificateState::Issued, not_after, false)) => {
                if not_after.0 <= now.0 {
                    CertificateStatus::Expired
                } else {
                    let expiring_soon = not_after.0 - now.0 <= Duration::days(window.days());
                    CertificateStatus::Issued { expiring_soon }
                }
            }
        }
    }

    /// The status of a user whose newest certificate is `newest`.
    pub fn of(newest: Option<&CertificateRecord>, now: Timestamp, window: NoticeWindow) -> Self {
        newest.map_or(CertificateStatus::NotIssued, |c| c.status(now, window))
    }

    /// The 期限間近 flag.
    pub fn is_expiring_soon(self) -> bool {
        matches!(
            self,
            CertificateStatus::Issued {
                expiring_soon: true
            }
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            CertificateStatus::NotIssued => "未発行",
            CertificateStatus::Issued { .. } => "発行済み",
            CertificateStatus::Expired => "有効期限切れ",
            CertificateStatus::Revoked => "失効済み",
            CertificateStatus::Suspended => "一時停止中",
        }
    }

    /// 発行済み, 有効期限切れ and 一時停止中 certificates can be revoked
    /// (issue 3; a held one too, issue 26).
    pub fn is_revocable(self) -> bool {
        matches!(
            self,
            CertificateStatus::Issued { .. }
                | CertificateStatus::Expired
                | CertificateStatus::Suspended
        )
    }

    /// Whether ホーム shows the expiry notice for the user's own certificate.
    pub fn needs_expiry_notice(self) -> bool {
        matches!(
            self,
            CertificateStatus::Issued {
                expiring_soon: true
            } | CertificateStatus::Expired
        )
    }
}

/// Whole days from `now` until `not_after`, rounded down; negative once expired.
pub fn days_left(not_after: Timestamp, now: Timestamp) -> i64 {
    (not_after.0 - now.0).num_seconds().div_euclid(86_400)
}

/// ホーム's notice of the viewer's own certificate: 期限間近 or 有効期限切れ.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExpiryNotice {
    pub status: CertificateStatus,
    pub not_after: Timestamp,
    pub days_left: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(days: i64) -> Timestamp {
        Timestamp(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::days(days))
    }

    #[test]
    fn status_follows_the_newest_certificate() {
        let now = at(0);
        assert_eq!(
            CertificateStatus::derive(None, now, NoticeWindow::DEFAULT),
            CertificateStatus::NotIssued
        );
        assert_eq!(
            CertificateStatus::derive(
                Some((CertificateState::Revoked, at(100), false)),
                now,
                NoticeWindow::DEFAULT
            ),
            CertificateStatus::Revoked
        );
        assert_eq!(
            CertificateStatus::derive(
                Some((CertificateState::Issued, at(-1), false)),
                now,
                NoticeWindow::DEFAULT
            ),
            CertificateStatus::Expired
        );
        assert_eq!(
            CertificateStatus::derive(
                Some((CertificateState::Issued, at(200), false)),
                now,
                NoticeWindow::DEFAULT
            ),
            CertificateStatus::Issued {
                expiring_soon: false
            }
        );
    }

    #[test]
    fn a_held_certificate_reads_suspended_even_once_expired_and_a_revoked_one_revoked() {
        let now = at(0);
        let w = NoticeWindow::DEFAULT;
        for not_after in [at(200), at(10), at(-3)] {
            assert_eq!(
                CertificateStatus::derive(
                    Some((CertificateState::Issued, not_after, true)),
                    now,
                    w
                ),
                CertificateStatus::Suspended
            );
        }
        assert_eq!(
            CertificateStatus::derive(Some((CertificateState::Revoked, at(200), true)), now, w),
            CertificateStatus::Revoked
        );
        assert!(CertificateStatus::Suspended.is_revocable());
        assert!(!CertificateStatus::Suspended.needs_expiry_notice());
    }

    #[test]
    fn the_window_opens_with_the_first_reminder() {
        assert_eq!(NoticeWindow::from_reminder_days(&[40, 10]).days(), 40);
        assert_eq!(NoticeWindow::from_reminder_days(&[10, 60, 30]).days(), 60);
        assert_eq!(NoticeWindow::from_reminder_days(&[]), NoticeWindow::DEFAULT);
        let now = at(0);
        let window = NoticeWindow::from_reminder_days(&[60, 10]);
        let status = |d| {
            CertificateStatus::derive(Some((CertificateState::Issued, at(d), false)), now, window)
        };
        assert!(status(60).is_expiring_soon());
        assert!(!status(61).is_expiring_soon());
        let window = NoticeWindow::from_reminder_days(&[20]);
        let status = |d| {
            CertificateStatus::derive(Some((CertificateState::Issued, at(d), false)), now, window)
        };
        assert!(status(20).is_expiring_soon());
        assert!(!status(25).is_expiring_soon());
    }

    #[test]
    fn expiring_soon_at_forty_days_and_not_at_forty_one() {
        let now = at(0);
        let status = |d| {
            CertificateStatus::derive(
                Some((CertificateState::Issued, at(d), false)),
                now,
                NoticeWindow::DEFAULT,
            )
        };
        assert_eq!(
            status(40),
            CertificateStatus::Issued {
                expiring_soon: true
            }
        );
        assert_eq!(
            status(25),
            CertificateStatus::Issued {
                expiring_soon: true
            }
        );
        assert_eq!(
            status(41),
            CertificateStatus::Issued {
                expiring_soon: false
            }
        );
        let just_over = Timestamp(at(40).0 + Duration::seconds(1));
        assert_eq!(
            CertificateStatus::derive(
                Some((CertificateState::Issued, just_over, false)),
                now,
                NoticeWindow::DEFAULT
            ),
            CertificateStatus::Issued {
                expiring_soon: false
            }
        );
    }

    #[test]
    fn labels_and_revocability() {
        assert_eq!(CertificateStatus::NotIssued.label(), "未発行");
        assert_eq!(
            CertificateStatus::Issued {
                expiring_soon: true
            }
            .label(),
            "発行済み"
        );
        assert_eq!(CertificateStatus::Expired.label(), "有効期限切れ");
        assert_eq!(CertificateStatus::Revoked.label(), "失効済み");
        assert!(CertificateStatus::Issued {
            expiring_soon: false
        }
        .is_revocable());
        assert!(CertificateStatus::Expired.is_revocable());
        assert!(!CertificateStatus::Revoked.is_revocable());
        assert!(!CertificateStatus::NotIssued.is_revocable());
    }

    #[test]
    fn serial_is_32_hex_digits() {
        assert!(CertificateSerial::parse("5b8e869e2bc4b2225302f34ada65184e").is_ok());
        assert_eq!(
            CertificateSerial::parse("5B8E869E2BC4B2225302F34ADA65184E")
                .unwrap()
                .as_str(),
            "5b8e869e2bc4b2225302f34ada65184e"
        );
        for bad in [
            "",
            "5b8e",
            "5b8e869e2bc4b2225302f34ada65184g",
            "5b8e869e2bc4b2225302f34ada65184e0",
        ] {
            assert!(CertificateSerial::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            CertificateSerial::from_bytes([0xab; 16]).as_str(),
            "ab".repeat(16)
        );
        let bytes: [u8; 16] = std::array::from_fn(|i| i as u8 * 17);
        assert_eq!(CertificateSerial::from_bytes(bytes).to_bytes(), bytes);
    }

    #[test]
    fn revocation_reasons_round_trip_with_rfc_5280_codes() {
        for r in RevocationReason::ALL {
            assert_eq!(RevocationReason::from_db(r.as_db()), Some(r));
        }
        let codes: Vec<u8> = RevocationReason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes, [0, 1, 3, 4, 5]);
        assert_eq!(RevocationReason::from_db("申込書"), None);
    }

    #[test]
    fn days_left_rounds_down() {
        assert_eq!(days_left(at(25), at(0)), 25);
        assert_eq!(
            days_left(Timestamp(at(25).0 - Duration::seconds(1)), at(0)),
            24
        );
        assert_eq!(days_left(at(-10), at(0)), -10);
    }
}
