//! 証明書発行履歴 (issue 26): every certificate ever issued to a contract's
//! users, as a master user checks it for one nobody asked for.

use super::certificate::{CertificateSerial, CertificateState, RevocationReason};
use super::{LoginId, Timestamp};
use serde::{Deserialize, Serialize};

/// How a certificate came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IssuedVia {
    /// 取得 with a key made on the server (the `.p12` route).
    Pkcs12,
    /// 取得 with the user's CSR.
    Csr,
    /// 更新 with the current certificate.
    Renewal,
    /// The bank's operator command (`cert-issue`, the demo's load).
    Operator,
}

impl IssuedVia {
    pub const ALL: [IssuedVia; 4] = [
        IssuedVia::Pkcs12,
        IssuedVia::Csr,
        IssuedVia::Renewal,
        IssuedVia::Operator,
    ];

    /// 取得 by a user: `.p12` when the server made the key, else CSR.
    pub fn obtained(server_made_key: bool) -> Self {
        if server_made_key {
            IssuedVia::Pkcs12
        } else {
            IssuedVia::Csr
        }
    }

    pub fn as_db(self) -> &'static str {
        match self {
            IssuedVia::Pkcs12 => "p12",
            IssuedVia::Csr => "csr",
            IssuedVia::Renewal => "renewal",
            IssuedVia::Operator => "operator",
        }
    }

    pub fn from_db(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_db() == value)
    }

    /// 発行方法 as the register shows it; `None` (before it was recorded)
    /// is 記録なし.
    pub fn label(via: Option<Self>) -> &'static str {
        match via {
            Some(IssuedVia::Pkcs12) => "取得（.p12）",
            Some(IssuedVia::Csr) => "取得（CSR）",
            Some(IssuedVia::Renewal) => "更新",
            Some(IssuedVia::Operator) => "お取引店",
            None => "記録なし",
        }
    }
}

/// A certificate's 状態 in the register: its stored state, 有効期限切れ
/// once past its 有効期限, and the 失効理由 of a revoked one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegisterState {
    Issued,
    Expired,
    /// 一時停止中 (certificateHold), until 再開.
    Suspended,
    Revoked(Option<RevocationReason>),
}

impl RegisterState {
    pub fn of(
        state: CertificateState,
        not_after: Timestamp,
        reason: Option<RevocationReason>,
        held: bool,
        now: Timestamp,
    ) -> Self {
        match state {
            // As 証明書状態 says it (CertificateStatus::derive).
            CertificateState::Issued if held => RegisterState::Suspended,
            CertificateState::Revoked => RegisterState::Revoked(reason),
            // Left 発行済み for the one that replaced it.
            CertificateState::Superseded => {
                RegisterState::Revoked(Some(RevocationReason::Superseded))
            }
            CertificateState::Issued if not_after.0 <= now.0 => RegisterState::Expired,
            CertificateState::Issued => RegisterState::Issued,
        }
    }

    pub fn label(self) -> String {
        match self {
            RegisterState::Issued => "発行済み".into(),
            RegisterState::Expired => "有効期限切れ".into(),
            RegisterState::Suspended => "一時停止中".into(),
            RegisterState::Revoked(Some(reason)) => format!("失効済み（{}）", reason.label()),
            RegisterState::Revoked(None) => "失効済み".into(),
        }
    }
}

/// One certificate of the register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRow {
    pub login_id: LoginId,
    pub common_name: String,
    pub serial: CertificateSerial,
    /// 発行日時: the start of its validity.
    pub issued_at: Timestamp,
    pub not_after: Timestamp,
    pub via: Option<IssuedVia>,
    pub state: RegisterState,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn stored_names_round_trip() {
        for via in IssuedVia::ALL {
            assert_eq!(IssuedVia::from_db(via.as_db()), Some(via));
        }
        assert_eq!(IssuedVia::from_db("by hand"), None);
        assert_eq!(IssuedVia::label(None), "記録なし");
    }

    #[test]
    fn the_state_says_expired_and_why_revoked() {
        let now = Timestamp(Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap());
        let later = Timestamp(now.0 + Duration::days(1));
        let earlier = Timestamp(now.0 - Duration::days(1));
        let state = |s, end, reason| RegisterState::of(s, end, reason, false, now).label();
        assert_eq!(state(CertificateState::Issued, later, None), "発行済み");
        assert_eq!(
            state(CertificateState::Issued, earlier, None),
            "有効期限切れ"
        );
        assert_eq!(
            state(
                CertificateState::Revoked,
                later,
                Some(RevocationReason::KeyCompromise)
            ),
            "失効済み（鍵の危殆化）"
        );
        assert_eq!(
            state(CertificateState::Superseded, later, None),
            "失効済み（更新による置き換え）"
        );
        let held = |s| RegisterState::of(s, earlier, None, true, now).label();
        assert_eq!(held(CertificateState::Issued), "一時停止中");
        assert_eq!(held(CertificateState::Revoked), "失効済み");
    }
}
