//! The vocabulary of 操作履歴: who acted, what they did, how it ended.
//! Every action and outcome is an enum with one stored code and one
//! Japanese label; nothing compares strings such as `"success"`.

use super::refusal::{Reader, Refusal};
use super::{LoginId, Timestamp};
use serde::{Deserialize, Serialize};

/// Who acted: a user of a contract or the bank's operator command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User(LoginId),
    /// A ログインID that does not exist (failed login): kept as typed, cleaned.
    Unknown(String),
    BankOperator,
}

impl Actor {
    pub fn as_str(&self) -> &str {
        match self {
            Actor::User(id) => id.as_str(),
            Actor::Unknown(raw) => raw,
            Actor::BankOperator => "bank-operator",
        }
    }
}

macro_rules! audit_actions {
    ($($variant:ident = $code:literal, $label:literal;)+) => {
        /// What an 操作履歴 row records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditAction { $($variant,)+ }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)+];

            /// The value of the `audit_log.action` column.
            pub fn as_db(self) -> &'static str {
                match self { $(AuditAction::$variant => $code,)+ }
            }

            pub fn label(self) -> &'static str {
                match self { $(AuditAction::$variant => $label,)+ }
            }
        }
    };
}

audit_actions! {
    Login = "login", "ログイン";
    Logout = "logout", "ログアウト";
    SessionCertificate = "session_certificate", "証明書確認";
    ContractSet = "contract_set", "契約設定変更";
    CertificateRevoke = "certificate_revoke", "証明書失効";
    CertificateSuspend = "certificate_suspend", "証明書一時停止";
    CertificateResume = "certificate_resume", "証明書再開";
    IssuanceAuth = "issuance_auth", "証明書取得認証";
    CertificateIssue = "certificate_issue", "証明書発行";
    CertificateDownload = "certificate_download", "証明書ダウンロード";
    RenewalAuth = "renewal_auth", "証明書更新認証";
    CertificateRenew = "certificate_renew", "証明書更新";
    OtpRegister = "otp_register", "ワンタイムパスワード登録";
    OtpRelease = "otp_release", "ワンタイムパスワード利用停止解除";
    OtpReset = "otp_reset", "ワンタイムパスワード登録解除";
    IssuanceCodeGrant = "issuance_code_grant", "発行用コード発行";
    IssuanceCodeExpiry = "issuance_code_expiry", "発行用コード有効期限切れ";
    CaCreate = "ca_create", "認証局作成";
    CaReseal = "ca_reseal", "認証局鍵パスフレーズ変更";
    CaRollover = "ca_rollover", "発行用認証局の切替";
    ContractCreate = "contract_create", "契約登録";
    UserCreate = "user_create", "利用者登録";
    PasswordRelease = "password_release", "パスワード利用停止解除";
    DemoLoad = "demo_load", "デモデータ登録";
}

impl AuditAction {
    pub fn from_db(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.as_db() == value)
    }

    /// The refusal a stored reason means for this action. An action's
    /// vocabularies never share a code (a test checks), so the first that
    /// knows the code is the one.
    pub fn refusal(self, code: &str) -> Option<Refusal> {
        self.vocabularies().iter().find_map(|read| read(code))
    }

    /// Which refusals the action can record.
    fn vocabularies(self) -> &'static [Reader] {
        use super::refusal::{admin, certificate, issue, login, otp, revocation};
        match self {
            AuditAction::Login => &[login, certificate],
            AuditAction::CertificateRevoke
            | AuditAction::CertificateSuspend
            | AuditAction::CertificateResume => &[revocation],
            AuditAction::IssuanceAuth => &[login, otp, issue],
            AuditAction::RenewalAuth => &[login, otp, certificate, issue],
            AuditAction::CertificateIssue | AuditAction::CertificateDownload => &[issue],
            AuditAction::CertificateRenew => &[issue, certificate],
            AuditAction::OtpRegister => &[login, otp],
            AuditAction::IssuanceCodeGrant | AuditAction::OtpReset => &[admin],
            AuditAction::SessionCertificate => &[certificate],
            _ => &[],
        }
    }
}

/// How an attempt ended: done, or refused for a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditOutcome {
    Success,
    Refused(Refusal),
    /// A failure row whose stored reason this version does not know.
    UnknownFailure,
}

impl AuditOutcome {
    /// `(outcome, reason)` columns of `audit_log`.
    pub fn to_db(self) -> (&'static str, Option<&'static str>) {
        match self {
            AuditOutcome::Success => ("success", None),
            AuditOutcome::Refused(refusal) => ("failure", Some(refusal.code())),
            AuditOutcome::UnknownFailure => ("failure", None),
        }
    }

    /// Reads the columns back. A reason's meaning depends on the action
    /// (`wrong_password` is the ログインパスワード at login and the
    /// 確認用パスワード at 実行), so the action picks the vocabulary.
    pub fn from_db(action: Option<AuditAction>, outcome: &str, reason: Option<&str>) -> Self {
        if outcome == "success" {
            return AuditOutcome::Success;
        }
        action
            .zip(reason)
            .and_then(|(action, reason)| action.refusal(reason))
            .map_or(AuditOutcome::UnknownFailure, AuditOutcome::Refused)
    }

    /// 成功, or 失敗（reason）.
    pub fn label(self) -> String {
        match self {
            AuditOutcome::Success => "成功".to_owned(),
            AuditOutcome::Refused(refusal) => format!("失敗（{}）", refusal.audit_label()),
            AuditOutcome::UnknownFailure => "失敗（理由不明）".to_owned(),
        }
    }
}

/// The client of a request, as far as the server can tell.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn new(ip: Option<String>, user_agent: Option<&str>) -> Self {
        Self {
            ip,
            user_agent: user_agent.map(|ua| clean(ua, 256)),
        }
    }
}

/// One 操作履歴 row to write.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub occurred_at: Timestamp,
    pub actor: Actor,
    pub contract_code: Option<String>,
    pub action: AuditAction,
    pub target: Option<String>,
    pub outcome: AuditOutcome,
    pub client: ClientInfo,
}

impl AuditEntry {
    /// A successful `action`; [`AuditEntry::refused`] turns it into a refusal.
    pub fn new(
        occurred_at: Timestamp,
        actor: Actor,
        contract_code: Option<&str>,
        action: AuditAction,
        client: &ClientInfo,
    ) -> Self {
        Self {
            occurred_at,
            actor,
            contract_code: contract_code.map(str::to_owned),
            action,
            target: None,
            outcome: AuditOutcome::Success,
            client: client.clone(),
        }
    }

    /// What the action was done to, cleaned of control characters.
    pub fn target(mut self, target: impl AsRef<str>) -> Self {
        self.target = Some(clean(target.as_ref(), 128));
        self
    }

    pub fn refused(mut self, refusal: impl Into<Refusal>) -> Self {
        self.outcome = AuditOutcome::Refused(refusal.into());
        self
    }

    /// Success or refusal from a result.
    pub fn outcome<T, R: Into<Refusal> + Copy>(self, result: &Result<T, R>) -> Self {
        match result {
            Ok(_) => self,
            Err(refusal) => self.refused(*refusal),
        }
    }
}

/// Makes user-typed text safe to store and log: control characters (newlines
/// included, so nothing can forge a line) become U+FFFD, and length is capped.
pub fn clean(raw: &str, max_chars: usize) -> String {
    raw.chars()
        .take(max_chars)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::refusal::{LoginRefusal, RevokeRefusal};

    #[test]
    fn clean_replaces_control_characters_and_caps_length() {
        assert_eq!(clean("a\nb\r\0c", 10), "a\u{FFFD}b\u{FFFD}\u{FFFD}c");
        assert_eq!(clean(&"x".repeat(1000), 5), "xxxxx");
        assert_eq!(clean("データ専子", 3), "データ");
    }

    #[test]
    fn no_action_records_two_refusals_with_one_code() {
        use crate::domain::refusal::{AdminRefusal, CertificateRefusal, IssueRefusal, OtpRefusal};
        use std::collections::HashSet;
        let all: Vec<Refusal> = LoginRefusal::ALL
            .iter()
            .map(|r| Refusal::Login(*r))
            .chain(RevokeRefusal::ALL.iter().map(|r| Refusal::Revocation(*r)))
            .chain(OtpRefusal::ALL.iter().map(|r| Refusal::Otp(*r)))
            .chain(IssueRefusal::ALL.iter().map(|r| Refusal::Issue(*r)))
            .chain(AdminRefusal::ALL.iter().map(|r| Refusal::Admin(*r)))
            .chain(
                CertificateRefusal::ALL
                    .iter()
                    .map(|r| Refusal::Certificate(*r)),
            )
            .collect();
        for action in AuditAction::ALL {
            let mut seen = HashSet::new();
            for read in action.vocabularies() {
                for refusal in all.iter().filter(|r| read(r.code()) == Some(**r)) {
                    assert!(
                        seen.insert(refusal.code()),
                        "{action:?}: {} twice",
                        refusal.code()
                    );
                }
            }
        }
    }

    #[test]
    fn actions_round_trip_through_their_codes() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_db(action.as_db()), Some(*action));
        }
        assert_eq!(AuditAction::from_db("drop"), None);
    }

    #[test]
    fn a_wrong_login_password_is_labelled_as_the_login_password() {
        // The same stored reason means different passwords for different actions.
        let login =
            AuditOutcome::from_db(Some(AuditAction::Login), "failure", Some("wrong_password"));
        assert_eq!(
            login,
            AuditOutcome::Refused(Refusal::Login(LoginRefusal::WrongPassword))
        );
        assert_eq!(login.label(), "失敗（ログインパスワード誤り）");
        let revoke = AuditOutcome::from_db(
            Some(AuditAction::CertificateRevoke),
            "failure",
            Some("wrong_password"),
        );
        assert_eq!(
            revoke,
            AuditOutcome::Refused(Refusal::Revocation(RevokeRefusal::WrongPassword))
        );
        assert_eq!(revoke.label(), "失敗（確認用パスワード誤り）");
    }

    #[test]
    fn outcomes_round_trip_and_unknown_reasons_say_so() {
        for outcome in [
            AuditOutcome::Success,
            AuditOutcome::Refused(Refusal::Login(LoginRefusal::Throttled)),
            AuditOutcome::Refused(Refusal::Revocation(RevokeRefusal::CertificateChanged)),
        ] {
            let action = match outcome {
                AuditOutcome::Refused(Refusal::Login(_)) => AuditAction::Login,
                _ => AuditAction::CertificateRevoke,
            };
            let (o, r) = outcome.to_db();
            assert_eq!(AuditOutcome::from_db(Some(action), o, r), outcome);
        }
        assert_eq!(
            AuditOutcome::from_db(Some(AuditAction::Login), "failure", Some("gremlins")).label(),
            "失敗（理由不明）"
        );
    }
}
