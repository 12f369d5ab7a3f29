//! Who may revoke whose certificate, in which state (SPEC sections 2 and 4),
//! written once. The list (BRSK018), the confirmation (BRSK019) and 実行
//! all ask [`check`]; only 実行 also compares the serial the confirmation
//! screen showed.

use super::certificate::{CertificateRecord, CertificateSerial, CertificateStatus, NoticeWindow};
use super::refusal::RevokeRefusal;
use super::{LoginId, Role, Timestamp};
use serde::{Deserialize, Serialize};

/// Which screen asks.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    /// The list and the confirmation: may this target be chosen?
    Choose,
    /// 実行: the certificate must still be the one shown (its serial came
    /// back with the form; `None` when the form's value was not a serial).
    Execute {
        shown: Option<&'a CertificateSerial>,
    },
}

/// The certificate `actor` may revoke for `target` now, or why not.
pub fn check<'c>(
    actor: Role,
    target: Role,
    certificate: Option<&'c CertificateRecord>,
    step: Step<'_>,
    now: Timestamp,
) -> Result<&'c CertificateRecord, RevokeRefusal> {
    if !actor.may_revoke_certificate_of(target) {
        return Err(RevokeRefusal::NotPermitted);
    }
    if let Step::Execute { shown } = step {
        match (certificate, shown) {
            (Some(current), Some(shown)) if current.serial == *shown => {}
            _ => return Err(RevokeRefusal::CertificateChanged),
        }
    }
    let certificate = certificate.ok_or(RevokeRefusal::NotRevocable)?;
    // The 期限間近 window plays no part in whether it may be revoked.
    match certificate.status(now, NoticeWindow::DEFAULT) {
        CertificateStatus::Revoked => Err(RevokeRefusal::AlreadyRevoked),
        status if status.is_revocable() => Ok(certificate),
        _ => Err(RevokeRefusal::NotRevocable),
    }
}

/// Why a row of 利用者一覧 has no radio button, in the list's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotSelectable {
    MasterOnly,
    AlreadyRevoked,
    NotIssued,
    OtherState,
}

impl NotSelectable {
    pub fn from_refusal(refusal: RevokeRefusal, status: CertificateStatus) -> Self {
        match refusal {
            RevokeRefusal::NotPermitted => NotSelectable::MasterOnly,
            RevokeRefusal::AlreadyRevoked => NotSelectable::AlreadyRevoked,
            _ if status == CertificateStatus::NotIssued => NotSelectable::NotIssued,
            _ => NotSelectable::OtherState,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NotSelectable::MasterOnly => "マスターユーザの証明書は失効できません",
            NotSelectable::AlreadyRevoked => "失効済みです",
            NotSelectable::NotIssued => "証明書が発行されていません",
            NotSelectable::OtherState => "失効できない証明書状態です",
        }
    }
}

/// A row of 利用者一覧 (BRSK018).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevocationCandidate {
    pub login_id: LoginId,
    pub name: String,
    pub role: Role,
    pub status: CertificateStatus,
    pub not_after: Option<Timestamp>,
    /// Why the row cannot be selected; `None` when it can.
    pub not_selectable: Option<NotSelectable>,
}

/// What 証明書失効確認 (BRSK019) shows of its target.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RevocationConfirmation {
    pub login_id: LoginId,
    pub name: String,
    pub status: CertificateStatus,
    pub not_after: Timestamp,
    /// Carried back with 実行, so that the certificate revoked is the one shown.
    pub serial: CertificateSerial,
    /// The master is about to revoke their own certificate.
    pub own_certificate: bool,
    /// Wrong 確認用パスワード entries so far (shown after a failure).
    pub confirmation_failures: i64,
}

/// 証明書失効結果: the target's certificate as it is now.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RevocationResult {
    pub login_id: LoginId,
    pub name: String,
    pub status: CertificateStatus,
    pub revoked_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CertificateState;
    use chrono::{Duration, TimeZone, Utc};
    use RevokeRefusal::*;
    use Role::*;

    fn now() -> Timestamp {
        Timestamp(Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap())
    }

    fn cert(state: CertificateState, days_left: i64) -> CertificateRecord {
        CertificateRecord {
            serial: CertificateSerial::from_bytes([7; 16]),
            state,
            not_after: Timestamp(now().0 + Duration::days(days_left)),
            revoked_at: None,
            revocation_reason: None,
            suspended_at: None,
            held_by_bank: false,
        }
    }

    /// actor, target, the target's newest certificate, the step, the verdict.
    type Row<'a> = (
        Role,
        Role,
        Option<&'a CertificateRecord>,
        Step<'a>,
        Result<(), RevokeRefusal>,
    );

    #[test]
    fn the_rule_as_a_table() {
        let issued = cert(CertificateState::Issued, 200);
        let soon = cert(CertificateState::Issued, 25);
        let expired = cert(CertificateState::Issued, -10);
        let revoked = cert(CertificateState::Revoked, 100);
        let superseded = cert(CertificateState::Superseded, 100);
        let mut held = cert(CertificateState::Issued, 100);
        held.suspended_at = Some(now());
        let shown = issued.serial.clone();
        let other = CertificateSerial::from_bytes([8; 16]);
        let choose = Step::Choose;
        let execute = Step::Execute {
            shown: Some(&shown),
        };
        #[rustfmt::skip]
        let table: &[Row] = &[
            // who may revoke whom (SPEC section 2)
            (Master, General, Some(&issued), choose, Ok(())),
            (Master, Admin, Some(&issued), choose, Ok(())),
            (Master, Master, Some(&issued), choose, Ok(())),
            (Admin, General, Some(&issued), choose, Ok(())),
            (Admin, Admin, Some(&issued), choose, Ok(())),
            (Admin, Master, Some(&issued), choose, Err(NotPermitted)),
            (General, General, Some(&issued), choose, Err(NotPermitted)),
            // which states (期限間近 and 有効期限切れ are revocable)
            (Master, General, Some(&soon), choose, Ok(())),
            (Master, General, Some(&expired), choose, Ok(())),
            (Master, General, Some(&revoked), choose, Err(AlreadyRevoked)),
            (Master, General, Some(&superseded), choose, Err(NotRevocable)),
            (Master, General, None, choose, Err(NotRevocable)),
            // a held (一時停止) certificate too (issue 26)
            (Master, General, Some(&held), choose, Ok(())),
            // 実行 compares the serial shown on the confirmation screen
            (Master, General, Some(&issued), execute, Ok(())),
            (Master, General, Some(&issued), Step::Execute { shown: Some(&other) }, Err(CertificateChanged)),
            (Master, General, Some(&issued), Step::Execute { shown: None }, Err(CertificateChanged)),
            (Master, General, None, execute, Err(CertificateChanged)),
            // permission is checked before anything about the certificate
            (Admin, Master, None, execute, Err(NotPermitted)),
        ];
        for (i, (actor, target, certificate, step, expected)) in table.iter().enumerate() {
            let got = check(*actor, *target, *certificate, *step, now()).map(|_| ());
            assert_eq!(got, *expected, "row {i}: {actor:?} → {target:?}");
        }
    }

    #[test]
    fn an_already_revoked_certificate_with_the_shown_serial_says_so() {
        let mut revoked = cert(CertificateState::Revoked, 100);
        revoked.serial = CertificateSerial::from_bytes([9; 16]);
        let shown = revoked.serial.clone();
        let step = Step::Execute {
            shown: Some(&shown),
        };
        assert_eq!(
            check(Master, General, Some(&revoked), step, now()),
            Err(AlreadyRevoked)
        );
    }

    #[test]
    fn unselectable_rows_say_why_in_the_lists_words() {
        use CertificateStatus as S;
        assert_eq!(
            NotSelectable::from_refusal(NotPermitted, S::Expired).label(),
            "マスターユーザの証明書は失効できません"
        );
        assert_eq!(
            NotSelectable::from_refusal(AlreadyRevoked, S::Revoked).label(),
            "失効済みです"
        );
        assert_eq!(
            NotSelectable::from_refusal(NotRevocable, S::NotIssued).label(),
            "証明書が発行されていません"
        );
    }
}
