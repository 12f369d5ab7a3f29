//! kanri's own signing key for the checkpoints of 操作履歴 (issue 27):
//! Ed25519, apart from the CA's key (a checkpoint vouches for a log, not
//! for a certificate, and a relying party never has to trust it for one).
//! Its public half is published as SubjectPublicKeyInfo PEM, which
//! `openssl pkeyutl -verify -pubin -rawin` reads; the private half is kept
//! as PKCS#8, sealed at rest by the caller (`Ca::seal_at_rest`).

use crate::random::RngError;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use zeroize::Zeroizing;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the
/// algorithm id-Ed25519 and a 32-byte BIT STRING follow.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The checkpoint key, opened.
pub struct EvidenceKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for EvidenceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceKey").finish_non_exhaustive()
    }
}

/// The bytes were not an Ed25519 PKCS#8 key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an Ed25519 key")]
pub struct NotAKey;

impl EvidenceKey {
    /// A new key and its PKCS#8 (to be sealed before it is stored).
    pub fn generate() -> Result<(EvidenceKey, Zeroizing<Vec<u8>>), RngError> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| RngError)?;
        let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
        let key = Self::from_pkcs8(&pkcs8).map_err(|_| RngError)?;
        Ok((key, pkcs8))
    }

    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<EvidenceKey, NotAKey> {
        Ed25519KeyPair::from_pkcs8(pkcs8)
            .map(|pair| EvidenceKey { pair })
            .map_err(|_| NotAKey)
    }

    /// The public key as SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> Vec<u8> {
        [&SPKI_PREFIX[..], self.pair.public_key().as_ref()].concat()
    }

    /// The 64-byte Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// Whether `signature` is the signature of `message` by the key whose
/// SubjectPublicKeyInfo DER is `public_key_der`.
pub fn verify_evidence(public_key_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Some(raw) = public_key_der.strip_prefix(&SPKI_PREFIX[..]) else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, raw)
        .verify(message, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_the_published_key_only_for_its_message() {
        let (key, pkcs8) = EvidenceKey::generate().unwrap();
        let again = EvidenceKey::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(key.public_key_der(), again.public_key_der());
        let signature = key.sign(b"checkpoint");
        assert_eq!(signature.len(), 64);
        assert!(verify_evidence(
            &key.public_key_der(),
            b"checkpoint",
            &signature
        ));
        assert!(!verify_evidence(
            &key.public_key_der(),
            b"checkpoinT",
            &signature
        ));
        let (other, _) = EvidenceKey::generate().unwrap();
        assert!(!verify_evidence(
            &other.public_key_der(),
            b"checkpoint",
            &signature
        ));
        assert!(!verify_evidence(b"junk", b"checkpoint", &signature));
        assert!(EvidenceKey::from_pkcs8(b"junk").is_err());
    }
}
