//! ログイン: the notice shown above the form after a redirect.

use crate::domain::{CertificateRefusal, LoginRefusal, Refusal};
use serde::{Deserialize, Serialize};

/// What the ログイン screen says, carried as `?notice=<code>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginNotice {
    Invalid,
    Stopped,
    LoggedOut,
    SessionEnded,
    Throttled,
    /// 電子証明書方式: the certificate did not do; `master` picks the advice.
    Certificate {
        refusal: CertificateRefusal,
        master: bool,
    },
}

impl LoginNotice {
    const ALL: [LoginNotice; 5] = [
        LoginNotice::Invalid,
        LoginNotice::Stopped,
        LoginNotice::LoggedOut,
        LoginNotice::SessionEnded,
        LoginNotice::Throttled,
    ];

    pub fn code(self) -> String {
        match self {
            LoginNotice::Invalid => "invalid".into(),
            LoginNotice::Stopped => "stopped".into(),
            LoginNotice::LoggedOut => "logged_out".into(),
            LoginNotice::SessionEnded => "session_ended".into(),
            LoginNotice::Throttled => "throttled".into(),
            LoginNotice::Certificate { refusal, master } => {
                let role = if master { "master" } else { "user" };
                format!("certificate.{}.{role}", refusal.code())
            }
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        if let Some(rest) = code.strip_prefix("certificate.") {
            let (refusal, role) = rest.split_once('.')?;
            return Some(LoginNotice::Certificate {
                refusal: CertificateRefusal::from_code(refusal)?,
                master: role == "master",
            });
        }
        Self::ALL.into_iter().find(|n| n.code() == code)
    }

    /// What a refused login shows (a refusal of either kind).
    pub fn for_login_refusal(refusal: Refusal, master: bool) -> Self {
        match refusal {
            Refusal::Certificate(refusal) => LoginNotice::Certificate { refusal, master },
            Refusal::Login(refusal) => Self::for_refusal(refusal),
            _ => LoginNotice::Invalid,
        }
    }

    /// What a refused login shows: a wrong ID and a wrong password look the same.
    pub fn for_refusal(refusal: LoginRefusal) -> Self {
        match refusal {
            LoginRefusal::Invalid | LoginRefusal::WrongPassword => LoginNotice::Invalid,
            LoginRefusal::WrongPasswordNowStopped | LoginRefusal::Stopped => LoginNotice::Stopped,
            LoginRefusal::Throttled => LoginNotice::Throttled,
        }
    }

    pub fn message(self) -> String {
        match self {
            LoginNotice::Certificate { refusal, master } => refusal.login_message(master),
            other => other.fixed_message().to_owned(),
        }
    }

    fn fixed_message(self) -> &'static str {
        match self {
            LoginNotice::Invalid => LoginRefusal::Invalid.message(),
            LoginNotice::Stopped => LoginRefusal::Stopped.message(),
            LoginNotice::LoggedOut => "ログアウトしました。",
            LoginNotice::SessionEnded => "一定時間操作がなかったため、またはセッションが終了したため、再度ログインしてください。",
            LoginNotice::Throttled => LoginRefusal::Throttled.message(),
            LoginNotice::Certificate { .. } => "",
        }
    }

    pub fn is_error(self) -> bool {
        matches!(
            self,
            LoginNotice::Invalid
                | LoginNotice::Stopped
                | LoginNotice::Throttled
                | LoginNotice::Certificate { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_codes_round_trip() {
        let certificate = LoginNotice::Certificate {
            refusal: CertificateRefusal::Missing,
            master: false,
        };
        for n in LoginNotice::ALL.into_iter().chain([certificate]) {
            assert_eq!(LoginNotice::from_code(&n.code()), Some(n));
        }
        assert_eq!(LoginNotice::from_code("<script>"), None);
    }

    #[test]
    fn a_wrong_id_and_a_wrong_password_look_the_same() {
        assert_eq!(
            LoginNotice::for_refusal(LoginRefusal::Invalid),
            LoginNotice::for_refusal(LoginRefusal::WrongPassword)
        );
    }
}
