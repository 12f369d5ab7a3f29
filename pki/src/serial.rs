//! Certificate serial numbers: 128 random bits, shown as 32 lowercase hex digits.
//!
//! The app stores and displays the 16 bytes as they are, so the type keeps the
//! invariant that makes DER round-trip exactly: the first byte is never zero
//! (DER would drop it and the serial would come back as 15 bytes). A first byte
//! with its top bit set is fine; DER adds a 0x00 sign byte that decoding removes.

use std::fmt;

use crate::random::{random_array, RngError};

/// A kanri certificate serial number (16 bytes, first byte non-zero).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial([u8; 16]);

/// Why a value is not a kanri serial number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SerialError {
    /// Not exactly 32 hexadecimal digits.
    #[error("a serial number is 32 hexadecimal digits")]
    NotHex,
    /// The first byte is zero, which kanri never issues.
    #[error("a serial number never starts with 00")]
    LeadingZero,
}

impl Serial {
    /// Draws a fresh serial from the system random generator.
    pub fn random() -> Result<Self, RngError> {
        loop {
            let bytes: [u8; 16] = random_array()?;
            // 1 in 256 draws; redrawing keeps the distribution uniform over the rest.
            if let Ok(serial) = Self::from_bytes(bytes) {
                return Ok(serial);
            }
        }
    }

    /// Wraps 16 bytes, refusing a leading zero byte.
    pub fn from_bytes(bytes: [u8; 16]) -> Result<Self, SerialError> {
        if bytes[0] == 0 {
            return Err(SerialError::LeadingZero);
        }
        Ok(Self(bytes))
    }

    /// Parses the 32-digit hex form (either case).
    pub fn from_hex(hex: &str) -> Result<Self, SerialError> {
        let digits = hex.as_bytes();
        if digits.len() != 32 {
            return Err(SerialError::NotHex);
        }
        let mut bytes = [0u8; 16];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
        }
        Self::from_bytes(bytes)
    }

    /// The contents of a DER INTEGER (as x509-parser and the der crate hand
    /// them out, sign byte included); `None` unless it is a kanri serial.
    pub fn from_der_integer(content: &[u8]) -> Option<Self> {
        let magnitude = match content {
            // A sign byte is only there to keep a high first byte positive.
            [0, rest @ ..] if rest.first().is_some_and(|b| b & 0x80 != 0) => rest,
            // Without a sign byte a high first bit means a negative INTEGER.
            [first, ..] if first & 0x80 != 0 => return None,
            _ => content,
        };
        Self::from_bytes(magnitude.try_into().ok()?).ok()
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// 32 lowercase hex digits, as shown in the app.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(32);
        for b in self.0 {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        out
    }
}

fn hex_value(digit: u8) -> Result<u8, SerialError> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        b'A'..=b'F' => Ok(digit - b'A' + 10),
        _ => Err(SerialError::NotHex),
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_serials_are_16_bytes_with_a_non_zero_first_byte_and_differ() {
        let a = Serial::random().unwrap();
        let b = Serial::random().unwrap();
        assert_ne!(a, b);
        assert_ne!(a.as_bytes()[0], 0);
    }

    #[test]
    fn hex_round_trips_in_lowercase() {
        let s = Serial::from_hex("8A00000000000000000000000000FF01").unwrap();
        assert_eq!(s.to_hex(), "8a00000000000000000000000000ff01");
        assert_eq!(Serial::from_hex(&s.to_hex()).unwrap(), s);
        assert_eq!(s.to_string(), s.to_hex());
    }

    #[test]
    fn bad_hex_and_leading_zero_are_refused() {
        assert_eq!(Serial::from_hex("12"), Err(SerialError::NotHex));
        assert_eq!(
            Serial::from_hex("zz000000000000000000000000000000"),
            Err(SerialError::NotHex)
        );
        assert_eq!(
            Serial::from_hex("00112233445566778899aabbccddeeff"),
            Err(SerialError::LeadingZero)
        );
    }

    #[test]
    fn der_integer_contents_decode_with_and_without_the_sign_byte() {
        let high = [0x80u8; 16];
        let mut padded = vec![0u8];
        padded.extend_from_slice(&high);
        assert_eq!(Serial::from_der_integer(&padded).unwrap().as_bytes(), &high);
        let low = [0x11u8; 16];
        assert_eq!(Serial::from_der_integer(&low).unwrap().as_bytes(), &low);
    }

    #[test]
    fn der_integers_that_are_not_kanri_serials_give_none() {
        assert_eq!(Serial::from_der_integer(&[0x80u8; 16]), None); // negative
        assert_eq!(Serial::from_der_integer(&[1, 2, 3]), None);
        assert_eq!(Serial::from_der_integer(&[0x11u8; 20]), None);
    }
}
