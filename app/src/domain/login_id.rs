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
}
