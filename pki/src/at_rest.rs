//! Bytes that must wait a while where others can read (a `.p12` waiting
//! for its one download, in the database and its backups): encrypted with
//! AES-256-GCM under a key derived by HKDF-SHA256 from the CA key itself
//! (a key in a PKCS#11 token: from the token's MAC under a secret it keeps
//! beside the key, `token.rs`). Every kanri process opens the CA, so any
//! instance, after any kill, reads them back; whoever reads only the
//! database (the CA key is sealed there, or not there at all) does not. The purpose names the use, so keys of two uses differ.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hkdf::{Salt, HKDF_SHA256};

use crate::ca::Ca;
use crate::random::{random_array, RngError};

const SALT: &[u8] = b"kanri at rest v1";

impl Ca {
    /// `plaintext` sealed for `purpose`: nonce, then ciphertext and tag.
    pub fn seal_at_rest(&self, purpose: &str, plaintext: &[u8]) -> Result<Vec<u8>, RngError> {
        let nonce: [u8; NONCE_LEN] = random_array()?;
        let mut sealed = plaintext.to_vec();
        self.at_rest_key(purpose)
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| RngError)?;
        Ok([&nonce[..], &sealed].concat())
    }

    /// What [`Ca::seal_at_rest`] sealed for `purpose`; `None` if the bytes
    /// were sealed by another CA key, for another purpose, or changed.
    pub fn open_at_rest(&self, purpose: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buffer = rest.to_vec();
        let opened = self
            .at_rest_key(purpose)
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut buffer)
            .ok()?;
        Some(opened.to_vec())
    }

    fn at_rest_key(&self, purpose: &str) -> LessSafeKey {
        let prk = Salt::new(HKDF_SHA256, SALT).extract(&self.at_rest_material);
        let info = [purpose.as_bytes()];
        let okm = prk
            .expand(&info, &AES_256_GCM)
            .expect("32 bytes are within HKDF-SHA256's output limit");
        LessSafeKey::new(UnboundKey::from(okm))
    }
}

#[cfg(test)]
mod tests {
    use crate::ca::tests::demo_ca;

    #[test]
    fn sealed_bytes_open_only_with_the_same_ca_and_purpose() {
        let ca = demo_ca();
        let sealed = ca.seal_at_rest("p12", b"the user's key").unwrap();
        assert!(!sealed.windows(14).any(|w| w == b"the user's key"));
        assert_eq!(ca.open_at_rest("p12", &sealed).unwrap(), b"the user's key");
        assert_ne!(
            ca.seal_at_rest("p12", b"the user's key").unwrap(),
            sealed,
            "a fresh nonce"
        );
        assert_eq!(ca.open_at_rest("other", &sealed), None);
        assert_eq!(
            demo_ca().open_at_rest("p12", &sealed),
            None,
            "another CA key"
        );
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert_eq!(ca.open_at_rest("p12", &changed), None);
        assert_eq!(ca.open_at_rest("p12", &sealed[..5]), None);
    }
}
