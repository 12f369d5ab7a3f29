//! What an 操作履歴 row says. Written by every login, logout, revocation
//! (succeeded, refused or failed) and operator command.

use crate::domain::{LoginId, Timestamp};

/// Who acted: a user of a contract or the bank's operator command line.
#[derive(Clone, Debug)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    Login,
    Logout,
    CertificateRevoke,
    CertificateIssue,
    ContractCreate,
    UserCreate,
    PasswordRelease,
    DemoLoad,
}

impl AuditAction {
    pub fn as_db(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::Logout => "logout",
            AuditAction::CertificateRevoke => "certificate_revoke",
            AuditAction::CertificateIssue => "certificate_issue",
            AuditAction::ContractCreate => "contract_create",
            AuditAction::UserCreate => "user_create",
            AuditAction::PasswordRelease => "password_release",
            AuditAction::DemoLoad => "demo_load",
        }
    }

    pub const ALL: [AuditAction; 8] = [
        AuditAction::Login,
        AuditAction::Logout,
        AuditAction::CertificateRevoke,
        AuditAction::CertificateIssue,
        AuditAction::ContractCreate,
        AuditAction::UserCreate,
        AuditAction::PasswordRelease,
        AuditAction::DemoLoad,
    ];

    pub fn from_db(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_db() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Login => "ログイン",
            AuditAction::Logout => "ログアウト",
            AuditAction::CertificateRevoke => "証明書失効",
            AuditAction::CertificateIssue => "証明書発行",
            AuditAction::ContractCreate => "契約登録",
            AuditAction::UserCreate => "利用者登録",
            AuditAction::PasswordRelease => "パスワード利用停止解除",
            AuditAction::DemoLoad => "デモデータ登録",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

/// The Japanese words for a failure reason stored in 操作履歴.
pub fn reason_label(reason: &str) -> &'static str {
    use crate::models::RevokeRefusal;
    if let Some(refusal) = RevokeRefusal::from_code(reason) {
        return match refusal {
            RevokeRefusal::NotSelected => "対象者未選択",
            RevokeRefusal::NotFound => "対象者なし",
            RevokeRefusal::NotPermitted => "権限なし",
            RevokeRefusal::NotRevocable => "失効できない状態",
            RevokeRefusal::AlreadyRevoked => "失効済み",
            RevokeRefusal::CertificateChanged => "証明書変更あり",
            RevokeRefusal::PasswordMissing => "確認用パスワード未入力",
            RevokeRefusal::WrongPassword => "確認用パスワード誤り",
            RevokeRefusal::PasswordNowStopped => "確認用パスワード誤り（利用停止）",
            RevokeRefusal::PasswordStopped => "確認用パスワード利用停止中",
            RevokeRefusal::Throttled => "試行回数超過",
        };
    }
    match reason {
        "invalid_credentials" => "ログインIDまたはパスワード誤り",
        "wrong_password" => "ログインパスワード誤り",
        "wrong_password_now_stopped" => "ログインパスワード誤り（利用停止）",
        "login_password_stopped" => "ログインパスワード利用停止中",
        _ => "その他",
    }
}

impl Outcome {
    pub fn as_db(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
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

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub occurred_at: Timestamp,
    pub actor: Actor,
    pub contract_code: Option<String>,
    pub action: AuditAction,
    pub target: Option<String>,
    pub outcome: Outcome,
    /// A short machine-readable reason for a failure (`wrong_password`, …).
    pub reason: Option<String>,
    pub client: ClientInfo,
}

impl AuditEntry {
    pub fn new(
        actor: Actor,
        contract_code: Option<&str>,
        action: AuditAction,
        client: &ClientInfo,
    ) -> Self {
        Self {
            occurred_at: Timestamp::now(),
            actor,
            contract_code: contract_code.map(str::to_owned),
            action,
            target: None,
            outcome: Outcome::Success,
            reason: None,
            client: client.clone(),
        }
    }

    pub fn target(mut self, target: impl AsRef<str>) -> Self {
        self.target = Some(clean(target.as_ref(), 128));
        self
    }

    pub fn failed(mut self, reason: &str) -> Self {
        self.outcome = Outcome::Failure;
        self.reason = Some(reason.to_owned());
        self
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

    #[test]
    fn clean_replaces_control_characters_and_caps_length() {
        assert_eq!(clean("a\nb\r\0c", 10), "a\u{FFFD}b\u{FFFD}\u{FFFD}c");
        assert_eq!(clean(&"x".repeat(1000), 5), "xxxxx");
        assert_eq!(clean("データ専子", 3), "データ");
    }
}
