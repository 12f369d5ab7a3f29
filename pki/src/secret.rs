//! Secret strings as a type: passphrases for the CA key and import passwords
//! for PKCS#12 files. They never print, and their memory is wiped on drop.

use std::fmt;

use zeroize::Zeroizing;

/// A passphrase or password. `Debug` prints `Passphrase(<redacted>)`.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Takes ownership of the secret text.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Zeroizing::new(secret.into()))
    }

    /// Reads a passphrase file's contents: trailing CR/LF (as editors and
    /// `echo` leave them) are not part of the passphrase.
    pub fn from_file_contents(contents: &str) -> Self {
        Self::new(contents.trim_end_matches(['\r', '\n']))
    }

    /// Its length in characters, whitespace around it not counted (the
    /// rule on a CA passphrase's length is the caller's).
    pub fn chars(&self) -> usize {
        self.0.trim().chars().count()
    }

    /// Whether it is exactly `text` (a published passphrase, say).
    pub fn is(&self, text: &str) -> bool {
        self.0.as_str() == text
    }

    /// Whether it is the same text as `other` (two keys that must not share one).
    pub fn same_as(&self, other: &Passphrase) -> bool {
        self.is(other.expose())
    }

    /// True when there is nothing to derive a key from.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_secret() {
        let p = Passphrase::new("hunter2-secret");
        assert_eq!(format!("{p:?}"), "Passphrase(<redacted>)");
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn file_contents_lose_only_the_trailing_newline() {
        let p = Passphrase::from_file_contents(" pass word \r\n");
        assert_eq!(p.expose(), " pass word ");
        assert!(Passphrase::from_file_contents("\n").is_empty());
    }
}
