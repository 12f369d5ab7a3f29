//! PEM armour, read tolerantly and written canonically.
//!
//! Users paste CSRs and keys through a browser and Windows tools write CRLF, so
//! the reader accepts any line length, CR/LF/space noise and text around the
//! block; it is hand-rolled because the strict RFC 7468 decoders refuse exactly
//! those inputs. Output is always 64-column LF PEM, which every tool reads.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Why a text could not be read as PEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// No `-----BEGIN …-----` / `-----END …-----` pair was found.
    #[error("no PEM block found")]
    NoBlock,
    /// The block's contents are not base64 (PEM headers such as `Proc-Type` end up here).
    #[error("PEM body is not valid base64")]
    BadBase64,
}

/// One decoded PEM block: its label and DER contents.
#[derive(Clone, PartialEq, Eq)]
pub struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

// The block may hold a private key: show its size, never its bytes.
impl std::fmt::Debug for PemBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PemBlock({}, {} bytes)", self.label, self.der.len())
    }
}

// Pasted text loses or gains padding; the bytes are what matter.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes the first PEM block in `text`.
pub fn decode(text: &str) -> Result<PemBlock, PemError> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let start = text.find(BEGIN).ok_or(PemError::NoBlock)? + BEGIN.len();
    let label_len = text[start..].find(DASHES).ok_or(PemError::NoBlock)?;
    let label = &text[start..start + label_len];
    let body_start = start + label_len + DASHES.len();
    let end_marker = format!("-----END {label}-----");
    let body_len = text[body_start..]
        .find(&end_marker)
        .ok_or(PemError::NoBlock)?;
    let body: String = text[body_start..body_start + body_len]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = LENIENT.decode(body).map_err(|_| PemError::BadBase64)?;
    Ok(PemBlock {
        label: label.to_owned(),
        der,
    })
}

/// Every block of `text` in order, each a `CERTIFICATE` (a chain file);
/// any other block, or none, is refused.
pub fn decode_certificates(text: &str) -> Result<Vec<Vec<u8>>, PemError> {
    const END: &str = "-----END CERTIFICATE-----";
    let mut ders = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(END) {
        let block = decode(&rest[..at + END.len()])?;
        if block.label != "CERTIFICATE" {
            return Err(PemError::NoBlock);
        }
        ders.push(block.der);
        rest = &rest[at + END.len()..];
    }
    if ders.is_empty() || rest.contains("-----BEGIN ") {
        return Err(PemError::NoBlock);
    }
    Ok(ders)
}

/// Encodes DER as a PEM block with 64-column lines and LF line endings.
pub fn encode(label: &str, der: &[u8]) -> String {
    // The DER may be a private key: wipe the intermediate copy too.
    let b64 = zeroize::Zeroizing::new(STANDARD.encode(der));
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    // base64 output is ASCII, so splitting the bytes never cuts a character.
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_pem_decodes_back_to_the_same_bytes() {
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = encode("TEST", &der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        let block = decode(&pem).unwrap();
        assert_eq!(block.label, "TEST");
        assert_eq!(block.der, der);
    }

    #[test]
    fn crlf_long_lines_and_surrounding_text_are_tolerated() {
        let der = vec![0x30, 0x03, 0x02, 0x01, 0x05, 0xff, 0xee];
        let b64 = STANDARD.encode(&der);
        let text = format!(
            "junk before\r\n  -----BEGIN X-----\r\n {}\r\n {} \r\n-----END X-----\r\ntrailer",
            &b64[..4],
            &b64[4..]
        );
        assert_eq!(decode(&text).unwrap().der, der);
    }

    #[test]
    fn missing_padding_is_tolerated() {
        let pem = "-----BEGIN X-----\nAAE\n-----END X-----";
        assert_eq!(decode(pem).unwrap().der, vec![0, 1]);
    }

    #[test]
    fn text_without_a_block_is_refused() {
        assert_eq!(decode("hello"), Err(PemError::NoBlock));
        assert_eq!(
            decode("-----BEGIN X-----\nAAAA\n-----END Y-----"),
            Err(PemError::NoBlock)
        );
    }

    #[test]
    fn headers_inside_the_block_are_refused_as_bad_base64() {
        let pem = "-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END X-----";
        assert_eq!(decode(pem), Err(PemError::BadBase64));
    }
}
