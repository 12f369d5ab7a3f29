//! ログインID: 6–12 half-width ASCII letters or digits, unique across contracts.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoginId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginIdError {
    #[error("ログインIDは6〜12桁の半角英数字で入力してください。")]
    Invalid,
}

impl LoginId {
    pub const MIN_LEN: usize = 6;
    pub const MAX_LEN: usize = 12;

    pub fn parse(raw: &str) -> Result<Self, LoginIdError> {
        let len = raw.len();
        // `len()` counts bytes; the ASCII check below makes bytes == characters.
        if (Self::MIN_LEN..=Self::MAX_LEN).contains(&len)
            && raw.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            Ok(Self(raw.to_owned()))
        } else {
            Err(LoginIdError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LoginId {
    type Error = LoginIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LoginId> for String {
    fn from(value: LoginId) -> Self {
        value.0
    }
}

impl fmt::Display for LoginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ログインID as a form sent it (typed, or a hidden field): parsed once, in
/// the server function, into the ID it names if it is one. What was sent is
/// kept, trimmed, cleaned of control characters and cut to 32 characters,
/// because a refusal records it in 操作履歴 and the attempt limit counts
/// by it even when it names nobody.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedLoginId {
    typed: String,
    parsed: Option<LoginId>,
}

impl TypedLoginId {
    pub fn new(raw: &str) -> Self {
        let raw = raw.trim();
        Self {
            typed: super::audit::clean(raw, 32),
            parsed: LoginId::parse(raw).ok(),
        }
    }

    /// An ID already known (a session's own user, a presented certificate's).
    pub fn known(login_id: &LoginId) -> Self {
        Self {
            typed: login_id.as_str().to_owned(),
            parsed: Some(login_id.clone()),
        }
    }

    /// The ID, when what was sent is one.
    pub fn login_id(&self) -> Option<&LoginId> {
        self.parsed.as_ref()
    }

    /// What was sent, fit for 操作履歴.
    pub fn typed(&self) -> &str {
        &self.typed
    }

    /// Nothing was sent (no user selected).
    pub fn is_empty(&self) -> bool {
        self.typed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_six_to_twelve_ascii_alphanumerics() {
        for ok in ["master01", "abcdef", "ABCDEF123456", "sachikodt"] {
            assert!(LoginId::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_wrong_length_symbols_and_full_width() {
        for bad in [
            "",
            "abcde",
            "abcdefghijklm",
            "abc def1",
            "abc-def1",
            "ｍａｓｔｅｒ０１",
            "マスター01",
            "master01\0",
            "master01\n",
            "' OR 1=1--",
        ] {
            assert_eq!(LoginId::parse(bad), Err(LoginIdError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn a_typed_id_keeps_what_was_sent_for_the_record() {
        let ok = TypedLoginId::new(" sachikodt ");
        assert_eq!(ok.login_id().map(LoginId::as_str), Some("sachikodt"));
        assert_eq!(ok.typed(), "sachikodt");
        let bad = TypedLoginId::new("a\u{7}b' OR 1=1 --");
        assert_eq!(bad.login_id(), None);
        assert_eq!(bad.typed(), "a\u{FFFD}b' OR 1=1 --");
        assert_eq!(TypedLoginId::new(&"x".repeat(100)).typed().len(), 32);
        assert!(TypedLoginId::new("  ").is_empty());
    }
}
