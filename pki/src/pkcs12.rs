//! The PKCS#12 (`.p12`) file a user imports into the browser: their key,
//! their certificate and the CA certificate, under an import password.
//!
//! Written by p12-keystore as PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) with an
//! HMAC-SHA256 MAC: OpenSSL 3, Windows, macOS and Node (hence Playwright's
//! client certificates) read it. The legacy 3DES/RC2 files of the `p12` crate
//! are refused by Node, so that crate is not used.

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, Pkcs12ImportPolicy,
    PrivateKey, PrivateKeyChain,
};

use crate::issue::ClientKey;
use crate::secret::Passphrase;

/// PBKDF2 iterations for both the encryption and the MAC key. 10,000 is the
/// JVM's and p12-keystore's default and well above OpenSSL's 2,048; it keeps
/// building a file to a few milliseconds (issuance must stay much cheaper
/// than an argon2 login hash), and stays far below the 600,000 that Windows
/// refuses to import.
pub const PKCS12_PBKDF2_ITERATIONS: u32 = 10_000;

/// Why a PKCS#12 file could not be built or opened.
#[derive(Debug, thiserror::Error)]
pub enum Pkcs12Error {
    /// An empty import password protects nothing.
    #[error("the import password is empty")]
    EmptyPassword,
    /// The key is not PKCS#8 DER.
    #[error("the private key is not PKCS#8")]
    InvalidKey,
    /// A certificate is not DER X.509.
    #[error("a certificate is malformed")]
    InvalidCertificate,
    /// p12-keystore could not encode the file.
    #[error("encoding the PKCS#12 file failed: {0}")]
    Encoding(#[source] p12_keystore::error::Error),
    /// The MAC does not verify: wrong password (or a damaged file).
    #[error("wrong password for the PKCS#12 file")]
    WrongPassword,
    /// Not a PKCS#12 file, or one this crate cannot read.
    #[error("the PKCS#12 file is malformed")]
    Malformed,
    /// The file holds no private key with its certificate.
    #[error("the PKCS#12 file holds no key and certificate")]
    NoKey,
}

/// What a PKCS#12 file holds.
#[derive(Debug, Clone)]
pub struct Pkcs12Contents {
    /// The private key.
    pub key: ClientKey,
    /// The certificate of that key (DER).
    pub certificate_der: Vec<u8>,
    /// The rest of the chain, here the CA certificate (DER).
    pub chain_der: Vec<Vec<u8>>,
    /// The key's friendly name (what the browser shows).
    pub friendly_name: String,
}

/// Builds the `.p12` for `key` and its certificate, with the CA certificate
/// as the chain and `friendly_name` (the CN in kanri) as the label.
pub fn build_pkcs12(
    key: &ClientKey,
    certificate_der: &[u8],
    ca_certificate_der: &[u8],
    password: &Passphrase,
    friendly_name: &str,
) -> Result<Vec<u8>, Pkcs12Error> {
    if password.is_empty() {
        return Err(Pkcs12Error::EmptyPassword);
    }
    let private_key = PrivateKey::from_der(key.pkcs8_der()).map_err(|_| Pkcs12Error::InvalidKey)?;
    let leaf =
        Certificate::from_der(certificate_der).map_err(|_| Pkcs12Error::InvalidCertificate)?;
    let ca =
        Certificate::from_der(ca_certificate_der).map_err(|_| Pkcs12Error::InvalidCertificate)?;
    // localKeyId pairs the key bag with the certificate bag; OpenSSL uses
    // the certificate's SHA-1 for it, and so do we.
    let key_id = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, certificate_der);
    let chain = PrivateKeyChain::new(key_id.as_ref(), private_key, [leaf, ca]);
    let mut store = KeyStore::new();
    store.add_entry(friendly_name, KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password.expose())
        .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
        .encryption_iterations(PKCS12_PBKDF2_ITERATIONS)
        .mac_algorithm(MacAlgorithm::HmacSha256)
        .mac_iterations(PKCS12_PBKDF2_ITERATIONS)
        .write()
        .map_err(Pkcs12Error::Encoding)
}

/// Opens a `.p12` with its password (for tests and the demo).
pub fn parse_pkcs12(data: &[u8], password: &Passphrase) -> Result<Pkcs12Contents, Pkcs12Error> {
    let store = KeyStore::from_pkcs12(data, password.expose(), Pkcs12ImportPolicy::Relaxed)
        .map_err(|e| match e {
            p12_keystore::error::Error::MacError(_) => Pkcs12Error::WrongPassword,
            _ => Pkcs12Error::Malformed,
        })?;
    let (alias, chain) = store.private_key_chain().ok_or(Pkcs12Error::NoKey)?;
    let (leaf, rest) = chain.certs().split_first().ok_or(Pkcs12Error::NoKey)?;
    Ok(Pkcs12Contents {
        key: ClientKey::from_pkcs8_der(chain.key().as_der().to_vec()),
        certificate_der: leaf.as_der().to_vec(),
        chain_der: rest.iter().map(|c| c.as_der().to_vec()).collect(),
        friendly_name: alias.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::tests::demo_ca;
    use crate::issue::tests::issue_demo;
    use crate::testutil::Scratch;

    const CN: &str = "logid031.A001.20200304153656560435";

    fn demo_p12(password: &str) -> (crate::Ca, Vec<u8>, Vec<u8>) {
        let ca = demo_ca();
        let (issued, key) = issue_demo(&ca);
        let pass = Passphrase::new(password);
        let p12 = build_pkcs12(&key, issued.der(), ca.certificate_der(), &pass, CN).unwrap();
        (ca, issued.der().to_vec(), p12)
    }

    #[test]
    fn pkcs12_opens_with_its_password_and_holds_key_certificate_and_ca() {
        let (ca, cert, p12) = demo_p12("import-pass");
        let contents = parse_pkcs12(&p12, &Passphrase::new("import-pass")).unwrap();
        assert_eq!(contents.certificate_der, cert);
        assert_eq!(contents.chain_der, vec![ca.certificate_der().to_vec()]);
        assert_eq!(contents.friendly_name, CN);
        let pair = rcgen::KeyPair::try_from(contents.key.pkcs8_der()).unwrap();
        let (_, x509) = x509_parser::parse_x509_certificate(&cert).unwrap();
        assert_eq!(
            pair.public_key_raw(),
            &x509.public_key().subject_public_key.data[..]
        );
    }

    #[test]
    fn wrong_password_gives_its_own_error() {
        let (_, _, p12) = demo_p12("right");
        let err = parse_pkcs12(&p12, &Passphrase::new("wrong")).unwrap_err();
        assert!(matches!(err, Pkcs12Error::WrongPassword), "{err:?}");
    }

    #[test]
    fn garbage_is_malformed_and_bad_inputs_are_refused_when_building() {
        let err = parse_pkcs12(b"not a p12", &Passphrase::new("x")).unwrap_err();
        assert!(matches!(err, Pkcs12Error::Malformed));
        let ca = demo_ca();
        let (issued, key) = issue_demo(&ca);
        let (cert, ca_der) = (issued.der(), ca.certificate_der());
        let empty = build_pkcs12(&key, cert, ca_der, &Passphrase::new(""), CN);
        assert!(matches!(empty, Err(Pkcs12Error::EmptyPassword)));
        let pass = Passphrase::new("p");
        let bad_key = ClientKey::from_pkcs8_der(vec![1, 2, 3]);
        let err = build_pkcs12(&bad_key, cert, ca_der, &pass, CN);
        assert!(matches!(err, Err(Pkcs12Error::InvalidKey)));
        let err = build_pkcs12(&key, b"junk", ca_der, &pass, CN);
        assert!(matches!(err, Err(Pkcs12Error::InvalidCertificate)));
    }

    #[test]
    fn openssl_reads_the_pkcs12_and_its_key_matches_the_certificate() {
        let dir = Scratch::new();
        let (_, _, p12) = demo_p12("pass word");
        dir.write("user.p12", p12);
        let pass = "pass:pass word";
        let all = dir.openssl_ok(&["pkcs12", "-in", "user.p12", "-passin", pass, "-nodes"]);
        assert!(all.contains("BEGIN PRIVATE KEY") && all.matches("BEGIN CERTIFICATE").count() == 2);
        assert!(all.contains(&format!("friendlyName: {CN}")), "{all}");
        let base = ["pkcs12", "-in", "user.p12", "-passin", pass, "-nodes"];
        dir.openssl_ok(&[&base[..], &["-nocerts", "-out", "key.pem"]].concat());
        dir.openssl_ok(&[&base[..], &["-clcerts", "-nokeys", "-out", "cert.pem"]].concat());
        let from_key = dir.openssl_ok(&["pkey", "-in", "key.pem", "-pubout"]);
        let from_cert = dir.openssl_ok(&["x509", "-in", "cert.pem", "-noout", "-pubkey"]);
        assert_eq!(from_key, from_cert);
        let (ok, _) = dir.openssl(&[
            "pkcs12",
            "-in",
            "user.p12",
            "-passin",
            "pass:nope",
            "-nodes",
        ]);
        assert!(!ok);
    }

    #[test]
    fn openssl_reports_pbes2_aes_256_and_a_sha256_mac() {
        let dir = Scratch::new();
        let (_, _, p12) = demo_p12("pw");
        dir.write("user.p12", p12);
        let info = dir.openssl_ok(&[
            "pkcs12", "-in", "user.p12", "-passin", "pass:pw", "-info", "-noout",
        ]);
        assert!(info.contains("MAC: sha256, Iteration 10000"), "{info}");
        assert!(
            info.contains("PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256"),
            "{info}"
        );
        assert!(!info.contains("3DES") && !info.contains("RC2"), "{info}");
    }

    /// Node (and so Playwright's client certificates) rejects legacy
    /// 3DES/RC2 files; this is the check that ours loads. Skipped where Node
    /// is not installed.
    #[test]
    fn node_loads_the_pkcs12_as_a_tls_client_identity() {
        if std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("node not installed: skipping");
            return;
        }
        let dir = Scratch::new();
        let (_, _, p12) = demo_p12("pw");
        let path = dir.write("user.p12", p12);
        let script = "require('tls').createSecureContext({pfx: require('fs').readFileSync(process.argv[1]), passphrase: 'pw'}); console.log('loaded')";
        let out = std::process::Command::new("node")
            .args(["-e", script])
            .arg(&path)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success() && text.contains("loaded"), "{text}");
    }
}
