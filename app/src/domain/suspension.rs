//! 一時停止 and 再開 (certificateHold, SPEC 9.3), written once: who may
//! hold or release whose certificate, in which state. The list, the
//! confirmation and 実行 all ask [`check`]; only 実行 also compares the
//! serial the confirmation screen showed (as for 失効, whose rules of who
//! may act on whom it shares, `domain::revocation`).

use super::certificate::{CertificateRecord, CertificateState, CertificateStatus};
use super::refusal::RevokeRefusal;
use super::revocation::Step;
use super::{AuditAction, LoginId, Role, Timestamp};
use serde::{Deserialize, Serialize};

/// 一時停止 or 再開.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HoldAction {
    Suspend,
    Resume,
}

impl HoldAction {
    /// In a form and a query string.
    pub fn code(self) -> &'static str {
        match self {
            HoldAction::Suspend => "suspend",
            HoldAction::Resume => "resume",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [HoldAction::Suspend, HoldAction::Resume]
            .into_iter()
            .find(|a| a.code() == code)
    }

    /// The word on screen and in mail.
    pub fn label(self) -> &'static str {
        match self {
            HoldAction::Suspend => "一時停止",
            HoldAction::Resume => "再開",
        }
    }

    pub fn audit_action(self) -> AuditAction {
        match self {
            HoldAction::Suspend => AuditAction::CertificateSuspend,
            HoldAction::Resume => AuditAction::CertificateResume,
        }
    }
}

/// The certificate `actor` may hold or release for `target` now, or why
/// not. The master user's certificate is held by nobody in the contract:
/// nobody there could release it (the bank's `contract-suspend` can).
pub fn check<'c>(
    action: HoldAction,
    actor: Role,
    target: Role,
    certificate: Option<&'c CertificateRecord>,
    step: Step<'_>,
    now: Timestamp,
) -> Result<&'c CertificateRecord, RevokeRefusal> {
    if !actor.may_revoke_certificate_of(target) || target == Role::Master {
        return Err(RevokeRefusal::NotPermitted);
    }
    if let Step::Execute { shown } = step {
        match (certificate, shown) {
            (Some(current), Some(shown)) if current.serial == *shown => {}
            _ => return Err(RevokeRefusal::CertificateChanged),
        }
    }
    let not_possible = match action {
        HoldAction::Suspend => RevokeRefusal::NotSuspendable,
        HoldAction::Resume => RevokeRefusal::NotSuspended,
    };
    let certificate = certificate.ok_or(not_possible)?;
    if certificate.state == CertificateState::Revoked {
        return Err(RevokeRefusal::AlreadyRevoked);
    }
    // The 期限間近 window plays no part in either.
    let status = certificate.status(now, super::NoticeWindow::DEFAULT);
    match (action, status) {
        (HoldAction::Suspend, CertificateStatus::Issued { .. }) => Ok(certificate),
        (HoldAction::Suspend, CertificateStatus::Suspended) => Err(RevokeRefusal::AlreadySuspended),
        // The bank's hold (fraud response) is the bank's to release.
        (HoldAction::Resume, CertificateStatus::Suspended) if certificate.held_by_bank => {
            Err(RevokeRefusal::HeldByBank)
        }
        // Even once expired: a held certificate stays held until released.
        (HoldAction::Resume, CertificateStatus::Suspended) => Ok(certificate),
        _ => Err(not_possible),
    }
}

/// The sentence on the hold screens: the refusals shared with 失効 that
/// name the action are said with this one's words.
pub fn message(refusal: RevokeRefusal, releaser: &str) -> String {
    match refusal {
        RevokeRefusal::NotSelected => {
            "証明書の一時停止または再開を行う利用者を選択してください。".into()
        }
        RevokeRefusal::NotPermitted => "この利用者の証明書を一時停止・再開する権限がありません。マスターユーザの証明書の一時停止・再開はお取引店にお申し込みください。".into(),
        other => other.message(releaser),
    }
}

/// Why a row of the hold list has no radio button, in a few words.
pub fn why_not_label(refusal: RevokeRefusal) -> &'static str {
    match refusal {
        RevokeRefusal::NotPermitted => "権限がありません",
        RevokeRefusal::HeldByBank => "お取引店による一時停止中です",
        RevokeRefusal::AlreadyRevoked => "失効済みです",
        _ => "一時停止できない証明書状態です",
    }
}

/// A row of the hold list: what can be done to it, if anything.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HoldCandidate {
    pub login_id: LoginId,
    pub name: String,
    pub role: Role,
    pub status: CertificateStatus,
    pub not_after: Option<Timestamp>,
    /// 一時停止 or 再開, whichever this actor may do now, or why neither.
    pub possible: Result<HoldAction, RevokeRefusal>,
}

/// What the hold confirmation shows of its target.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldConfirmation {
    pub action: HoldAction,
    pub login_id: LoginId,
    pub name: String,
    pub status: CertificateStatus,
    pub not_after: Timestamp,
    /// Carried back with 実行, so that the certificate held is the one shown.
    pub serial: super::CertificateSerial,
    pub confirmation_failures: i64,
}

/// The hold result: the target's certificate as it is now.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldResult {
    pub login_id: LoginId,
    pub name: String,
    pub status: CertificateStatus,
    pub suspended_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CertificateSerial;
    use chrono::{Duration, TimeZone, Utc};
    use HoldAction::*;
    use RevokeRefusal::*;
    use Role::*;

    fn now() -> Timestamp {
        Timestamp(Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap())
    }

    /// action, actor, target, the target's newest certificate, the step, the verdict.
    type Row<'a> = (
        HoldAction,
        Role,
        Role,
        Option<&'a CertificateRecord>,
        Step<'a>,
        Result<(), RevokeRefusal>,
    );

    fn cert(state: CertificateState, days_left: i64, held: bool) -> CertificateRecord {
        CertificateRecord {
            serial: CertificateSerial::from_bytes([7; 16]),
            state,
            not_after: Timestamp(now().0 + Duration::days(days_left)),
            revoked_at: None,
            revocation_reason: None,
            suspended_at: held.then(now),
            held_by_bank: false,
        }
    }

    #[test]
    fn the_rule_as_a_table() {
        let issued = cert(CertificateState::Issued, 200, false);
        let held = cert(CertificateState::Issued, 200, true);
        let held_expired = cert(CertificateState::Issued, -2, true);
        let expired = cert(CertificateState::Issued, -2, false);
        let revoked = cert(CertificateState::Revoked, 200, true);
        let mut bank_held = cert(CertificateState::Issued, 200, true);
        bank_held.held_by_bank = true;
        let choose = Step::Choose;
        let shown = issued.serial.clone();
        let other = CertificateSerial::from_bytes([8; 16]);
        #[rustfmt::skip]
        let table: &[Row] = &[
            (Suspend, Master, General, Some(&issued), choose, Ok(())),
            (Suspend, Admin, Admin, Some(&issued), choose, Ok(())),
            (Suspend, Admin, Master, Some(&issued), choose, Err(NotPermitted)),
            // nobody in the contract could release the master's own
            (Suspend, Master, Master, Some(&issued), choose, Err(NotPermitted)),
            (Suspend, General, General, Some(&issued), choose, Err(NotPermitted)),
            (Suspend, Master, General, Some(&held), choose, Err(AlreadySuspended)),
            (Suspend, Master, General, Some(&expired), choose, Err(NotSuspendable)),
            (Suspend, Master, General, Some(&revoked), choose, Err(AlreadyRevoked)),
            (Suspend, Master, General, None, choose, Err(NotSuspendable)),
            (Resume, Master, General, Some(&held), choose, Ok(())),
            (Resume, Admin, General, Some(&held_expired), choose, Ok(())),
            (Resume, Master, General, Some(&issued), choose, Err(NotSuspended)),
            (Resume, Master, General, Some(&bank_held), choose, Err(HeldByBank)),
            (Resume, Master, General, Some(&revoked), choose, Err(AlreadyRevoked)),
            (Resume, Master, General, None, choose, Err(NotSuspended)),
            (Suspend, Master, General, Some(&issued), Step::Execute { shown: Some(&shown) }, Ok(())),
            (Suspend, Master, General, Some(&issued), Step::Execute { shown: Some(&other) }, Err(CertificateChanged)),
            (Resume, Master, General, Some(&held), Step::Execute { shown: None }, Err(CertificateChanged)),
        ];
        for (i, (action, actor, target, certificate, step, expected)) in table.iter().enumerate() {
            let got = check(*action, *actor, *target, *certificate, *step, now()).map(|_| ());
            assert_eq!(got, *expected, "row {i}: {action:?} {actor:?} → {target:?}");
        }
    }

    #[test]
    fn actions_round_trip_through_their_codes() {
        for action in [Suspend, Resume] {
            assert_eq!(HoldAction::from_code(action.code()), Some(action));
        }
        assert_eq!(HoldAction::from_code("revoke"), None);
        assert!(message(NotSelected, "").contains("一時停止"));
    }
}
