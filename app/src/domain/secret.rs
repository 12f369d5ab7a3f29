//! Secrets: a password as typed, its stored hash, a ワンタイムパスワード's
//! secret. Values that are never printed (`Debug` is redacted) nor
//! serialised; here, below the database and the request code, so that both
//! can name them. Hashing itself is `infra::password`.

use std::fmt;

/// A password as typed (or a credential from the configuration). Never
/// `Serialize`, never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(raw: String) -> Self {
        Self(raw)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A PHC-format argon2id hash as stored. Redacted in `Debug`, not `Serialize`.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_db(value: String) -> Self {
        Self(value)
    }

    pub fn as_db(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

/// A stored TOTP secret (base32). Never printed: `Debug` is redacted.
#[derive(Clone)]
pub struct OtpSecretText(String);

impl OtpSecretText {
    pub fn new(base32: String) -> Self {
        Self(base32)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OtpSecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpSecretText(***)")
    }
}
