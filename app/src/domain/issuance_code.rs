//! 発行用コード (issuance code, SPEC 9.1): the one-time second proof that
//! 取得 needs besides the ログインパスワード, and the rule of when it does.
//!
//! A code is 12 characters of a 32-letter alphabet without the look-alikes
//! 0/O and 1/I (60 bits), shown as `XXXX-XXXX-XXXX`. Guessing one is out of
//! reach behind the attempt limits, and it is useless without the password.

use serde::{Deserialize, Serialize};

/// The letters a code is made of: no 0, 1, I or O, which people misread.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const LENGTH: usize = 12;

/// Hours a code stays usable after its grant.
pub const VALID_HOURS: i64 = 24;

/// A code as typed or drawn: uppercase, without separators.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuanceCode(String);

impl IssuanceCode {
    /// A new random code.
    #[cfg(feature = "ssr")]
    pub fn generate() -> Self {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let text = (0..LENGTH)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        IssuanceCode(text)
    }

    /// What a user typed: hyphens and spaces ignored, lowercase accepted.
    /// `None` for anything that cannot be a code (so it is never looked up).
    pub fn parse(typed: &str) -> Option<Self> {
        let text: String = typed
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = text.len() == LENGTH && text.bytes().all(|b| ALPHABET.contains(&b));
        valid.then_some(IssuanceCode(text))
    }

    /// The form people read and type: `XXXX-XXXX-XXXX`.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The code's characters, for hashing (the code itself is never kept).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for IssuanceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IssuanceCode(***)")
    }
}

/// What 取得 needs after the right ログインパスワード.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofNeeded {
    /// A live 発行用コード of this user.
    pub code: bool,
    /// The registered ワンタイムパスワード (asked whenever one is registered).
    pub otp: bool,
}

/// The user's ワンタイムパスワード, as the rule needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    None,
    /// Registered from a session with the password alone: maybe by whoever
    /// stole it, so it is asked but proves nothing more.
    RegisteredWithPassword,
    /// Registered from a session that presented the user's own certificate.
    RegisteredWithCertificate,
}

/// The rule of SPEC 9.1 in one place:
/// - after a 失効 (the user's newest certificate was revoked, by the screen
///   or the bank; a renewal's superseded one does not count) only a new
///   grant lets the user obtain one again, whatever else they hold;
/// - on a contract that needs a second proof (電子証明書方式, or the bank's
///   choice for the contract) a ワンタイムパスワード registered with the
///   user's certificate is one; without it a code is needed (a token
///   registered with the password alone could be the thief's own);
/// - a registered ワンタイムパスワード is always asked.
pub fn proof_needed(
    contract_needs_second_proof: bool,
    token: Token,
    revoked_last: bool,
) -> ProofNeeded {
    let token_proves = token == Token::RegisteredWithCertificate;
    ProofNeeded {
        code: revoked_last || (contract_needs_second_proof && !token_proves),
        otp: token != Token::None,
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_parsed_whatever_the_case_and_separators() {
        let code = IssuanceCode::generate();
        let shown = code.display();
        assert_eq!(shown.len(), 14);
        assert_eq!(IssuanceCode::parse(&shown), Some(code.clone()));
        assert_eq!(
            IssuanceCode::parse(&shown.to_lowercase().replace('-', " ")),
            Some(code)
        );
        for bad in [
            "",
            "ABCD-EFGH-JKL",
            "ABCD-EFGH-JKLMN",
            "ABCD-EFGH-JKL0",
            "ＡＢＣＤ",
        ] {
            assert_eq!(IssuanceCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn two_codes_differ_and_the_hash_is_hex() {
        let (a, b) = (IssuanceCode::generate(), IssuanceCode::generate());
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "IssuanceCode(***)");
    }

    const TOKENS: [Token; 3] = [
        Token::None,
        Token::RegisteredWithPassword,
        Token::RegisteredWithCertificate,
    ];

    #[test]
    fn a_revocation_needs_a_code_even_with_a_token() {
        for contract in [false, true] {
            for token in TOKENS {
                assert!(proof_needed(contract, token, true).code);
            }
        }
    }

    #[test]
    fn a_second_proof_contract_takes_a_certificate_bound_token_or_a_code() {
        assert_eq!(
            proof_needed(true, Token::RegisteredWithCertificate, false),
            ProofNeeded {
                code: false,
                otp: true
            }
        );
        // A token registered with the password alone: asked, and a code too.
        assert_eq!(
            proof_needed(true, Token::RegisteredWithPassword, false),
            ProofNeeded {
                code: true,
                otp: true
            }
        );
        assert!(proof_needed(true, Token::None, false).code);
        assert_eq!(
            proof_needed(false, Token::None, false),
            ProofNeeded {
                code: false,
                otp: false
            }
        );
    }
}
