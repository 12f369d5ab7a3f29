//! The issuing CA's key in a PKCS#11 token: a bank's HSM, SoftHSM2 in
//! tests (issue 24). The key is made in the token (`ca-init`) or put there
//! once (`ca-import`), marked sensitive and not extractable, and every
//! signature is the token's: kanri sends a SHA-256 digest and gets the
//! signature back, and never holds the key.
//!
//! Beside the key, the token keeps a secret of its own (a generic secret,
//! as sensitive): the HMAC it computes over a fixed label is what kanri's
//! at-rest encryption is derived from (`at_rest.rs`), where a software CA
//! uses its key's bytes. Every instance configured with the same token
//! gets the same at-rest key, and whoever steals the database does not.
//!
//! The token's user PIN is the CA passphrase (`KANRI_CA_PASSPHRASE`): the
//! same secret opens the key wherever it lives, and `ca-reseal` changes it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as Pkcs11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use zeroize::{Zeroize, Zeroizing};

use crate::random::random_array;
use crate::secret::Passphrase;

/// DER of the P-256 curve's OID, the `CKA_EC_PARAMS` of every key here.
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// What the token's secret MACs to give the at-rest key material.
const AT_REST_LABEL: &[u8] = b"kanri at rest v1";
/// Appended to the key's label for the at-rest secret's.
const AT_REST_SUFFIX: &str = " at rest";

/// Where the token is: `KANRI_CA_PKCS11_MODULE` (the vendor's PKCS#11
/// library) and `KANRI_CA_PKCS11_TOKEN` (the token's label). Every
/// instance of kanri is given the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    pub module: PathBuf,
    pub token_label: String,
}

/// Why the token could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the PKCS#11 module {0} cannot be loaded: {1}")]
    Module(PathBuf, String),
    #[error("this process already uses the PKCS#11 module {0}; one module per process")]
    OtherModule(PathBuf),
    #[error("no token labelled {0:?} in the PKCS#11 module")]
    NoToken(String),
    #[error("the token's PIN (the CA passphrase) is wrong")]
    WrongPin,
    #[error("the token's PIN is locked; its security officer must unlock it")]
    PinLocked,
    #[error("the token has no CA key labelled {0:?}")]
    NoKey(String),
    #[error("the token already holds objects labelled {0:?}")]
    LabelTaken(String),
    #[error("the token's public key is not a P-256 point")]
    BadPublicKey,
    #[error("the token refused: {0}")]
    Token(String),
}

impl From<Pkcs11Error> for TokenError {
    fn from(err: Pkcs11Error) -> Self {
        match err {
            Pkcs11Error::Pkcs11(RvError::PinIncorrect, _) => TokenError::WrongPin,
            Pkcs11Error::Pkcs11(RvError::PinLocked, _) => TokenError::PinLocked,
            other => TokenError::Token(other.to_string()),
        }
    }
}

/// The process's one PKCS#11 context. PKCS#11 is initialised once per
/// process (a second `C_Initialize` is an error, and `C_Finalize` would
/// end every other user's sessions), so this is not a cache: it is the
/// library's own process-wide state, named once here.
static CONTEXT: Mutex<Option<(PathBuf, Pkcs11)>> = Mutex::new(None);

fn context(module: &Path) -> Result<Pkcs11, TokenError> {
    let mut slot = CONTEXT.lock().unwrap_or_else(|e| e.into_inner());
    match &*slot {
        Some((path, pkcs11)) if path == module => return Ok(pkcs11.clone()),
        Some((path, _)) => return Err(TokenError::OtherModule(path.clone())),
        None => {}
    }
    let failed = |e: Pkcs11Error| TokenError::Module(module.to_path_buf(), e.to_string());
    let pkcs11 = Pkcs11::new(module).map_err(failed)?;
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(failed)?;
    *slot = Some((module.to_path_buf(), pkcs11.clone()));
    Ok(pkcs11)
}

/// A logged-in read-write session on the configured token.
fn open_session(config: &TokenConfig, pin: &Passphrase) -> Result<Session, TokenError> {
    let pkcs11 = context(&config.module)?;
    let _store = token_store();
    let slot = pkcs11
        .get_slots_with_initialized_token()?
        .into_iter()
        .find(|slot| {
            pkcs11
                .get_token_info(*slot)
                .is_ok_and(|info| info.label().trim_end() == config.token_label)
        })
        .ok_or_else(|| TokenError::NoToken(config.token_label.clone()))?;
    let session = pkcs11.open_rw_session(slot)?;
    let mut logged_in = LOGGED_IN.lock().unwrap_or_else(|e| e.into_inner());
    match session.login(UserType::User, Some(&auth_pin(pin))) {
        Ok(()) => {
            logged_in.retain(|(token, _)| token != &config.token_label);
            logged_in.push((config.token_label.clone(), pin_digest(pin)));
            Ok(session)
        }
        // PKCS#11 logs in the application, not the session: another CA
        // opened in this process (a test's second instance) already did,
        // and the token did not look at this PIN. It must be that one.
        Err(Pkcs11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {
            let same = logged_in
                .iter()
                .any(|(token, digest)| token == &config.token_label && *digest == pin_digest(pin));
            if same {
                Ok(session)
            } else {
                Err(TokenError::WrongPin)
            }
        }
        Err(err) => Err(err.into()),
    }
}

/// The tokens this process logged in to, with a digest of the PIN that
/// did: a later open while still logged in must give the same PIN.
static LOGGED_IN: Mutex<Vec<(String, [u8; 32])>> = Mutex::new(Vec::new());

fn pin_digest(pin: &Passphrase) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, pin.expose().as_bytes());
    let mut out = [0; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

fn auth_pin(pin: &Passphrase) -> AuthPin {
    AuthPin::new(pin.expose().into())
}

/// Held while this process works on a token's store of objects: opens a
/// session and logs in, finds, makes or removes objects. SoftHSM2 fails
/// concurrent `C_GenerateKey`/`C_GenerateKeyPair`/`C_CreateObject` from
/// several threads with `CKR_GENERAL_ERROR` at random (SoftHSMv2 issue
/// #573; parsec and icp-cli serialise the same way), and one seen in CI
/// came from a `C_CreateObject` beside another thread's login and object
/// search, which reread the same store. A bank's CA does these only when
/// a CA is made or opened, so one at a time costs nothing. Signatures, the
/// work of every request, do not take it.
static TOKEN_STORE: Mutex<()> = Mutex::new(());

fn token_store() -> std::sync::MutexGuard<'static, ()> {
    TOKEN_STORE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sessions that sign: a PKCS#11 session runs one operation at a time, so
/// 取得 and 更新 by several users at once sign on several sessions.
const SIGNING_SESSIONS: usize = 4;

/// The CA's key pair in the token, with the session that made or found it
/// and those that sign with it (each behind its lock).
pub(crate) struct TokenKey {
    session: Mutex<Session>,
    signers: Vec<Mutex<Session>>,
    private_key: ObjectHandle,
    at_rest_secret: ObjectHandle,
    /// The uncompressed P-256 point.
    public_key: Vec<u8>,
    label: String,
}

impl TokenKey {
    /// A new P-256 key pair and at-rest secret made in the token, under a
    /// new random label (what the database keeps to find them again).
    pub(crate) fn generate(config: &TokenConfig, pin: &Passphrase) -> Result<Self, TokenError> {
        let session = open_session(config, pin)?;
        let label = new_label()?;
        let changing = token_store();
        let (public, private) = session.generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &public_template(&label, None),
            &private_template(&label, None),
        )?;
        let public_key = public_point(&session, public)?;
        let at_rest_secret =
            session.generate_key(&Mechanism::GenericSecretKeyGen, &secret_template(&label))?;
        drop(changing);
        Ok(Self {
            signers: signing_sessions(config, pin)?,
            session: Mutex::new(session),
            private_key: private,
            at_rest_secret,
            public_key,
            label,
        })
    }

    /// A P-256 key the bank already has (`ca-import`): `scalar` is its
    /// private value, `public_key` its uncompressed point. After this the
    /// token holds it and the caller wipes its copy.
    pub(crate) fn import(
        config: &TokenConfig,
        pin: &Passphrase,
        scalar: &[u8],
        public_key: &[u8],
    ) -> Result<Self, TokenError> {
        let session = open_session(config, pin)?;
        let label = new_label()?;
        let changing = token_store();
        session.create_object(&public_template(&label, Some(public_key)))?;
        let mut template = private_template(&label, Some(scalar));
        let created = session.create_object(&template);
        for attribute in &mut template {
            if let Attribute::Value(bytes) = attribute {
                bytes.zeroize();
            }
        }
        let private_key = created?;
        let at_rest_secret =
            session.generate_key(&Mechanism::GenericSecretKeyGen, &secret_template(&label))?;
        drop(changing);
        Ok(Self {
            signers: signing_sessions(config, pin)?,
            session: Mutex::new(session),
            private_key,
            at_rest_secret,
            public_key: public_key.to_vec(),
            label,
        })
    }

    /// The key stored under `label` by [`TokenKey::generate`] or
    /// [`TokenKey::import`].
    pub(crate) fn open(
        config: &TokenConfig,
        pin: &Passphrase,
        label: &str,
    ) -> Result<Self, TokenError> {
        let session = open_session(config, pin)?;
        let find = |class: ObjectClass, label: &str| -> Result<ObjectHandle, TokenError> {
            // The key and the secret are private objects: only a session
            // with the PIN makes them, so one planted without it is not found.
            let mut template = vec![
                Attribute::Class(class),
                Attribute::Label(label.as_bytes().to_vec()),
            ];
            if class != ObjectClass::PUBLIC_KEY {
                template.push(Attribute::Private(true));
            }
            let found = session.find_objects(&template)?;
            match found.as_slice() {
                [one] => Ok(*one),
                _ => Err(TokenError::NoKey(label.to_owned())),
            }
        };
        let store = token_store();
        let private_key = find(ObjectClass::PRIVATE_KEY, label)?;
        let public = find(ObjectClass::PUBLIC_KEY, label)?;
        let at_rest_secret = find(ObjectClass::SECRET_KEY, &format!("{label}{AT_REST_SUFFIX}"))?;
        let public_key = public_point(&session, public)?;
        drop(store);
        Ok(Self {
            public_key,
            signers: signing_sessions(config, pin)?,
            session: Mutex::new(session),
            private_key,
            at_rest_secret,
            label: label.to_owned(),
        })
    }

    /// The label the key's objects carry in the token.
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// The uncompressed P-256 point.
    pub(crate) fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// An ECDSA P-256 SHA-256 signature of `message`, DER-encoded as
    /// X.509 wants it (the token gives r and s side by side).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, TokenError> {
        let digest = ring::digest::digest(&ring::digest::SHA256, message);
        // A free session if there is one, else wait for the first.
        let session = self
            .signers
            .iter()
            .find_map(|s| s.try_lock().ok())
            .unwrap_or_else(|| self.signers[0].lock().unwrap_or_else(|e| e.into_inner()));
        let raw = session.sign(&Mechanism::Ecdsa, self.private_key, digest.as_ref())?;
        der_signature(&raw)
    }

    /// The token's HMAC-SHA256 of a fixed label under the at-rest secret.
    pub(crate) fn at_rest_material(&self) -> Result<Zeroizing<Vec<u8>>, TokenError> {
        let mac = self
            .session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sign(&Mechanism::Sha256Hmac, self.at_rest_secret, AT_REST_LABEL)?;
        Ok(Zeroizing::new(mac))
    }

    /// Takes the key's objects out of the token (a CA that was not stored:
    /// of two instances making the demo CA at once, the loser's).
    pub(crate) fn destroy(&self) -> Result<(), TokenError> {
        let session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let _changing = token_store();
        for class in [ObjectClass::PUBLIC_KEY, ObjectClass::PRIVATE_KEY] {
            for object in session.find_objects(&[
                Attribute::Class(class),
                Attribute::Label(self.label.as_bytes().to_vec()),
            ])? {
                session.destroy_object(object)?;
            }
        }
        session.destroy_object(self.at_rest_secret)?;
        Ok(())
    }
}

/// `ca-reseal` with the key in a token: the token's user PIN changes from
/// `old` to `new` (the CA passphrase every instance is then given).
pub fn change_pin(
    config: &TokenConfig,
    old: &Passphrase,
    new: &Passphrase,
) -> Result<(), TokenError> {
    let session = open_session(config, old)?;
    let _changing = token_store();
    session.set_pin(&auth_pin(old), &auth_pin(new))?;
    let mut logged_in = LOGGED_IN.lock().unwrap_or_else(|e| e.into_inner());
    for (token, digest) in logged_in.iter_mut() {
        if token == &config.token_label {
            *digest = pin_digest(new);
        }
    }
    Ok(())
}

fn signing_sessions(
    config: &TokenConfig,
    pin: &Passphrase,
) -> Result<Vec<Mutex<Session>>, TokenError> {
    (0..SIGNING_SESSIONS)
        .map(|_| open_session(config, pin).map(Mutex::new))
        .collect()
}

fn new_label() -> Result<String, TokenError> {
    let bytes: [u8; 8] = random_array().map_err(|e| TokenError::Token(e.to_string()))?;
    Ok(format!(
        "kanri issuing CA {}",
        data_encoding::HEXLOWER.encode(&bytes)
    ))
}

fn public_template(label: &str, point: Option<&[u8]>) -> Vec<Attribute> {
    let mut template = vec![
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Verify(true),
        Attribute::EcParams(P256_PARAMS.to_vec()),
        Attribute::Label(label.as_bytes().to_vec()),
    ];
    if let Some(point) = point {
        // CKA_EC_POINT is the DER OCTET STRING of the point.
        let mut der = vec![0x04, point.len() as u8];
        der.extend_from_slice(point);
        template.extend([
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::EcPoint(der),
        ]);
    }
    template
}

/// Sensitive and never extractable: the token signs with it and gives
/// nothing of it out.
fn private_template(label: &str, scalar: Option<&[u8]>) -> Vec<Attribute> {
    let mut template = vec![
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        Attribute::Label(label.as_bytes().to_vec()),
    ];
    if let Some(scalar) = scalar {
        template.extend([
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::EcParams(P256_PARAMS.to_vec()),
            Attribute::Value(scalar.to_vec()),
        ]);
    }
    template
}

fn secret_template(label: &str) -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::ValueLen(32.into()),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        Attribute::Label(format!("{label}{AT_REST_SUFFIX}").into_bytes()),
    ]
}

/// The uncompressed point of the public key object `public`.
fn public_point(session: &Session, public: ObjectHandle) -> Result<Vec<u8>, TokenError> {
    let point = session
        .get_attributes(public, &[AttributeType::EcPoint])?
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(point) => Some(point),
            _ => None,
        })
        .ok_or(TokenError::BadPublicKey)?;
    uncompressed_point(&point)
}

/// The point from `CKA_EC_POINT`: a DER OCTET STRING as PKCS#11 says, or
/// the bare point as some tokens give it.
fn uncompressed_point(value: &[u8]) -> Result<Vec<u8>, TokenError> {
    let point = match value {
        [0x04, 0x41, rest @ ..] if rest.len() == 65 => rest,
        point if point.len() == 65 => point,
        _ => return Err(TokenError::BadPublicKey),
    };
    if point[0] != 0x04 {
        return Err(TokenError::BadPublicKey);
    }
    Ok(point.to_vec())
}

/// ECDSA-Sig-Value (RFC 3279 section 2.2.3).
#[derive(der::Sequence)]
struct EcdsaSigValue<'a> {
    r: der::asn1::UintRef<'a>,
    s: der::asn1::UintRef<'a>,
}

/// The token's r ‖ s (32 bytes each) as the DER that X.509 carries.
fn der_signature(raw: &[u8]) -> Result<Vec<u8>, TokenError> {
    use der::Encode;
    if raw.len() != 64 {
        return Err(TokenError::Token(format!(
            "an ECDSA P-256 signature of {} bytes",
            raw.len()
        )));
    }
    let (r, s) = raw.split_at(32);
    let bad = |e: der::Error| TokenError::Token(e.to_string());
    EcdsaSigValue {
        r: der::asn1::UintRef::new(r).map_err(bad)?,
        s: der::asn1::UintRef::new(s).map_err(bad)?,
    }
    .to_der()
    .map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_signature_becomes_der_integers_without_sign_trouble() {
        // r with its high bit set needs a leading zero; s with leading
        // zeros loses them.
        let mut raw = vec![0x80; 32];
        raw.extend([0u8; 31]);
        raw.push(0x7f);
        let der = der_signature(&raw).unwrap();
        assert_eq!(&der[..5], &[0x30, 0x26, 0x02, 0x21, 0x00]);
        assert_eq!(&der[der.len() - 3..], &[0x02, 0x01, 0x7f]);
        assert!(der_signature(&raw[..63]).is_err());
    }

    #[test]
    fn ec_point_is_read_wrapped_or_bare() {
        let mut point = vec![0x04];
        point.extend([7u8; 64]);
        let mut wrapped = vec![0x04, 0x41];
        wrapped.extend(&point);
        assert_eq!(uncompressed_point(&wrapped).unwrap(), point);
        assert_eq!(uncompressed_point(&point).unwrap(), point);
        assert!(uncompressed_point(&point[..64]).is_err());
        let mut compressed = point.clone();
        compressed[0] = 0x02;
        assert!(uncompressed_point(&compressed).is_err());
    }
}
