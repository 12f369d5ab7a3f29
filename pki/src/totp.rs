//! TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the second factor,
//! with the `otpauth://` URI and its QR code for enrolment.
//!
//! HOTP is a dozen lines over ring's HMAC-SHA1, so no TOTP crate is pulled
//! in. Verification accepts the previous, current and next step (clock skew
//! of ±30 s) and returns the step that matched: the app stores it and passes
//! it back as `last_used_step`, which makes a code unusable twice. The QR code
//! is a self-contained SVG string (no JavaScript, no image files).

use std::fmt;

use chrono::{DateTime, Utc};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use ring::hmac;
use zeroize::Zeroizing;

use crate::random::{random_array, RngError};

/// Seconds per time step.
pub const TOTP_STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const TOTP_DIGITS: u32 = 6;
/// Steps accepted on either side of the current one.
pub const TOTP_SKEW_STEPS: u64 = 1;
/// Generated secrets are 160 bits, the HMAC-SHA1 block RFC 4226 recommends.
pub const TOTP_SECRET_BYTES: usize = 20;

/// Why TOTP input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// The stored secret is not RFC 4648 base32, or shorter than 80 bits.
    #[error("the TOTP secret is not valid base32")]
    InvalidBase32,
    /// The text does not fit in a QR code.
    #[error("the text is too long for a QR code")]
    QrTooLong,
}

/// A TOTP shared secret. Wiped on drop; `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl TotpSecret {
    /// A new random 160-bit secret.
    pub fn generate() -> Result<Self, RngError> {
        let bytes: [u8; TOTP_SECRET_BYTES] = random_array()?;
        Ok(Self(Zeroizing::new(bytes.to_vec())))
    }

    /// Reads the base32 form (case, spaces and `=` padding ignored).
    pub fn from_base32(text: &str) -> Result<Self, TotpError> {
        let bytes = base32_decode(text).ok_or(TotpError::InvalidBase32)?;
        // RFC 4226 requires at least 128 bits but allows reading 80-bit
        // secrets of older enrolments; below that nothing is secret.
        if bytes.len() < 10 {
            return Err(TotpError::InvalidBase32);
        }
        Ok(Self(bytes))
    }

    /// RFC 4648 base32 without padding, as shown for manual entry.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&self.0))
    }

    /// The raw secret bytes (to store encrypted).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// RFC 4648 base32 as people type it: any case, spaces and `=` padding ignored.
fn base32_decode(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let normalized = Zeroizing::new(
        text.chars()
            .filter(|c| !matches!(c, ' ' | '='))
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>(),
    );
    data_encoding::BASE32_NOPAD
        .decode(normalized.as_bytes())
        .ok()
        .map(Zeroizing::new)
}

/// The time step containing `at` (0 before 1970).
pub fn time_step(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).map_or(0, |secs| secs / TOTP_STEP_SECONDS)
}

/// HOTP (RFC 4226) with `digits` digits.
fn hotp(secret: &TotpSecret, counter: u64, digits: u32) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret.as_bytes());
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    // Dynamic truncation: the low nibble of the last byte picks 4 bytes.
    // An HMAC-SHA1 tag is 20 bytes and offset + 3 is at most 18, so the
    // indexing cannot go out of bounds.
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let word = [
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ];
    u32::from_be_bytes(word) % 10u32.pow(digits)
}

/// The 6-digit code of a time step, zero-padded.
pub fn totp_code(secret: &TotpSecret, step: u64) -> String {
    format!("{:06}", hotp(secret, step, TOTP_DIGITS))
}

/// Checks `code` against the steps around `at`, skipping steps at or before
/// `last_used_step`; returns the matched step, which the caller stores.
/// Spaces in the code are ignored (people type `123 456`).
pub fn verify_totp(
    secret: &TotpSecret,
    code: &str,
    at: DateTime<Utc>,
    last_used_step: Option<u64>,
) -> Option<u64> {
    let typed: Vec<u8> = code.bytes().filter(|&b| b != b' ').collect();
    if typed.len() != TOTP_DIGITS as usize || !typed.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let now = time_step(at);
    let first = now.saturating_sub(TOTP_SKEW_STEPS);
    let mut matched = None;
    // Every candidate is computed and compared, match or not, so the time
    // taken does not tell which step (if any) matched.
    for step in first..=now.saturating_add(TOTP_SKEW_STEPS) {
        let fresh = last_used_step.is_none_or(|used| step > used);
        let equal = constant_time_eq(totp_code(secret, step).as_bytes(), &typed);
        if fresh && equal && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// The enrolment URI (Google Authenticator key URI format), e.g.
/// `otpauth://totp/KANRI:logid031?secret=…&issuer=KANRI&algorithm=SHA1&digits=6&period=30`.
/// Issuer and account are percent-encoded (UTF-8), so Japanese names work.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> Zeroizing<String> {
    let (issuer, account) = (percent_encode(issuer), percent_encode(account));
    Zeroizing::new(format!(
        "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECONDS}",
        secret.to_base32().as_str()
    ))
}

/// RFC 3986: everything but unreserved characters is escaped.
fn percent_encode(text: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(text, RESERVED).to_string()
}

/// A QR code of `text` (the otpauth URI) as a standalone SVG document,
/// black on white with the standard quiet zone, at least 240 px wide.
pub fn qr_svg(text: &str) -> Result<String, TotpError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|_| TotpError::QrTooLong)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rfc_secret() -> TotpSecret {
        TotpSecret(Zeroizing::new(b"12345678901234567890".to_vec()))
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    /// RFC 6238 Appendix B, SHA1 rows (8 digits there).
    const RFC6238_SHA1: [(i64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn rfc6238_sha1_vectors_match_in_8_digits_and_their_last_6() {
        for (secs, expected) in RFC6238_SHA1 {
            let step = time_step(at(secs));
            assert_eq!(
                format!("{:08}", hotp(&rfc_secret(), step, 8)),
                expected,
                "T={secs}"
            );
            assert_eq!(totp_code(&rfc_secret(), step), &expected[2..], "T={secs}");
        }
    }

    #[test]
    fn code_of_the_current_and_adjacent_steps_verifies_and_returns_the_step() {
        let secret = TotpSecret::generate().unwrap();
        let now = at(1_700_000_015);
        let step = time_step(now);
        for candidate in [step - 1, step, step + 1] {
            let code = totp_code(&secret, candidate);
            assert_eq!(verify_totp(&secret, &code, now, None), Some(candidate));
        }
        let spaced = totp_code(&secret, step);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(verify_totp(&secret, &spaced, now, None), Some(step));
    }

    #[test]
    fn code_two_steps_away_is_refused() {
        let secret = TotpSecret::generate().unwrap();
        let now = at(1_700_000_015);
        let step = time_step(now);
        for far in [step - 2, step + 2] {
            assert_eq!(
                verify_totp(&secret, &totp_code(&secret, far), now, None),
                None
            );
        }
    }

    #[test]
    fn replayed_code_is_refused_once_its_step_is_used() {
        let secret = TotpSecret::generate().unwrap();
        let now = at(1_700_000_015);
        let code = totp_code(&secret, time_step(now));
        let used = verify_totp(&secret, &code, now, None).unwrap();
        assert_eq!(verify_totp(&secret, &code, now, Some(used)), None);
        let next = totp_code(&secret, used + 1);
        assert_eq!(verify_totp(&secret, &next, now, Some(used)), Some(used + 1));
    }

    #[test]
    fn malformed_codes_are_refused() {
        let secret = rfc_secret();
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６", "-12345"] {
            assert_eq!(verify_totp(&secret, bad, at(59), None), None, "{bad}");
        }
    }

    #[test]
    fn base32_round_trips_without_padding_and_reads_loosely() {
        assert_eq!(
            rfc_secret().to_base32().as_str(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        let secret = TotpSecret::generate().unwrap();
        let text = secret.to_base32();
        assert_eq!(text.len(), 32);
        assert!(!text.contains('='));
        assert_eq!(TotpSecret::from_base32(&text).unwrap(), secret);
        let loose = format!("{} ==", text.to_lowercase());
        assert_eq!(TotpSecret::from_base32(&loose).unwrap(), secret);
        // RFC 4648 test vector "foobar" (shorter, odd lengths).
        let foobar = TotpSecret(Zeroizing::new(b"foobar".to_vec()));
        assert_eq!(foobar.to_base32().as_str(), "MZXW6YTBOI");
    }

    #[test]
    fn bad_or_too_short_base32_is_refused() {
        for bad in ["GEZDGNBV1", "!!!!", "MZXW6YTBOI"] {
            assert_eq!(
                TotpSecret::from_base32(bad),
                Err(TotpError::InvalidBase32),
                "{bad}"
            );
        }
    }

    #[test]
    fn otpauth_uri_has_every_parameter_and_escapes_names() {
        let uri = otpauth_uri(&rfc_secret(), "KANRI DEMO", "logid031@A001");
        assert_eq!(
            uri.as_str(),
            "otpauth://totp/KANRI%20DEMO:logid031%40A001?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=KANRI%20DEMO&algorithm=SHA1&digits=6&period=30"
        );
        let japanese = otpauth_uri(&rfc_secret(), "管理", "a");
        assert!(japanese.starts_with("otpauth://totp/%E7%AE%A1%E7%90%86:a?"));
    }

    #[test]
    fn qr_code_is_a_standalone_svg() {
        let uri = otpauth_uri(&rfc_secret(), "KANRI", "logid031");
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<script"));
        assert!(svg.contains("#000000") && svg.contains("#ffffff"));
        assert_eq!(qr_svg(&"x".repeat(5000)), Err(TotpError::QrTooLong));
    }

    #[test]
    fn secret_debug_is_redacted() {
        assert_eq!(format!("{:?}", rfc_secret()), "TotpSecret(<redacted>)");
    }
}
