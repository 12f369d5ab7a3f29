//! The issuing CA's key in a PKCS#11 token (issue 24), against SoftHSM2:
//! made in the token or imported into it, every signature the token's, and
//! what it signs accepted by OpenSSL. `.ci/softhsm` prepares the token and
//! exports `SOFTHSM2_CONF` and `KANRI_TEST_PKCS11_*`; a plain `cargo test`
//! lists these tests as ignored, and `.ci/test` runs them with `--ignored`
//! after it (`. .ci/softhsm; cargo test -p kanri-pki --test hsm -- --ignored`).

use std::path::PathBuf;

use kanri_testkit::{contains_bytes, openssl_ec_private_value};
use std::process::Command;

use chrono::{Duration, Utc};
use kanri_pki::{
    Ca, CaError, CaSubject, ClientSubject, CrlSpec, KeyStore, Passphrase, PublicUrls, RootCa,
    TokenConfig, Validity,
};

struct Token {
    config: TokenConfig,
    pin: Passphrase,
    /// SoftHSM2's folder of token files, to search for key bytes.
    token_dir: PathBuf,
}

const NEEDS_TOKEN: &str = "needs the SoftHSM2 token of .ci/softhsm";

fn token() -> Token {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| panic!("{name} is not set: {NEEDS_TOKEN}"))
    };
    let text = std::fs::read_to_string(var("SOFTHSM2_CONF")).unwrap();
    let token_dir = text
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "directories.tokendir").then(|| PathBuf::from(value.trim()))
        })
        .expect("directories.tokendir in SOFTHSM2_CONF");
    Token {
        config: TokenConfig {
            module: var("KANRI_TEST_PKCS11_MODULE").into(),
            token_label: var("KANRI_TEST_PKCS11_TOKEN"),
        },
        pin: Passphrase::new(var("KANRI_TEST_PKCS11_PIN")),
        token_dir,
    }
}

fn subject(common_name: &str) -> CaSubject {
    CaSubject {
        organization: "(9999)KENSHINYO TEST".into(),
        common_name: common_name.into(),
    }
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn openssl(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Every file under `dir`, read whole.
fn files_under(dir: &std::path::Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            found.push((path, bytes));
        }
    }
    found
}

/// Issues a client certificate and a CRL with `ca` and has OpenSSL check
/// both against `root`.
fn openssl_accepts_what_it_signs(root: &RootCa, ca: &Ca) {
    let dir = scratch();
    let now = Utc::now();
    let (issued, _key) = ca
        .issue_with_new_key(
            &ClientSubject {
                organization: "(9999)KENSHINYO TEST".into(),
                organizational_unit: "(9999)KANRI TEST CA".into(),
                common_name: "taro.C001.20261207000000000000".into(),
            },
            &Validity {
                not_before: now,
                not_after: now + Duration::days(365),
            },
            &PublicUrls::new("https://kanri.example.jp").unwrap(),
        )
        .unwrap();
    let crl = ca
        .build_crl(
            &CrlSpec {
                number: 1,
                this_update: now,
                next_update: now + Duration::hours(24),
            },
            &[],
        )
        .unwrap();
    std::fs::write(dir.path().join("root.pem"), root.certificate_pem()).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.certificate_pem()).unwrap();
    std::fs::write(
        dir.path().join("leaf.pem"),
        kanri_pki::encode_pem("CERTIFICATE", issued.der()),
    )
    .unwrap();
    std::fs::write(dir.path().join("crl.der"), &crl).unwrap();
    let (ok, text) = openssl(
        dir.path(),
        &[
            "verify",
            "-purpose",
            "sslclient",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "ca.pem",
            "leaf.pem",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = openssl(
        dir.path(),
        &[
            "crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "ca.pem", "-verify", "-noout",
        ],
    );
    assert!(ok && text.contains("verify OK"), "{text}");
}

#[test]
#[ignore = "needs the SoftHSM2 token of .ci/softhsm (.ci/test runs it with --ignored)"]
fn issuing_ca_made_in_the_token_signs_what_openssl_accepts() {
    let token = token();
    let store = KeyStore::Token {
        config: &token.config,
        pin: &token.pin,
    };
    let root = RootCa::generate(&subject("HSM TEST ROOT"), Utc::now()).unwrap();
    let ca = root
        .issue_issuing_ca(&subject("HSM TEST CA"), Utc::now(), store)
        .unwrap();
    let label = ca
        .token_label()
        .expect("the key is in the token")
        .to_owned();
    openssl_accepts_what_it_signs(&root, &ca);

    // Nothing of the key to seal into the database.
    assert!(matches!(ca.seal_key(&token.pin), Err(CaError::KeyInToken)));

    // The delegated responder's certificate is signed by the token too.
    let responder = ca
        .issue_ocsp_responder(Utc::now(), Duration::days(3))
        .unwrap();
    let dir = scratch();
    std::fs::write(dir.path().join("ca.pem"), ca.certificate_pem()).unwrap();
    std::fs::write(
        dir.path().join("responder.pem"),
        kanri_pki::encode_pem("CERTIFICATE", responder.certificate_der()),
    )
    .unwrap();
    let (ok, text) = openssl(
        dir.path(),
        &[
            "verify",
            "-partial_chain",
            "-CAfile",
            "ca.pem",
            "responder.pem",
        ],
    );
    assert!(ok, "{text}");

    // Another instance opens the same key by its label: what one sealed
    // at rest, the other opens.
    let again =
        Ca::open_in_token(&ca.certificate_pem(), &token.config, &token.pin, &label).unwrap();
    let sealed = ca.seal_at_rest("p12", b"waiting for download").unwrap();
    assert_eq!(
        again.open_at_rest("p12", &sealed).as_deref(),
        Some(&b"waiting for download"[..])
    );
    // While this process is logged in to the token, another PIN still
    // opens nothing.
    assert!(matches!(
        Ca::open_in_token(
            &ca.certificate_pem(),
            &token.config,
            &Passphrase::new("not-the-token-pin"),
            &label
        ),
        Err(CaError::Token(kanri_pki::TokenError::WrongPin))
    ));
    // A certificate that is not this key's is refused.
    let other = RootCa::generate(&subject("OTHER ROOT"), Utc::now()).unwrap();
    assert!(matches!(
        Ca::open_in_token(&other.certificate_pem(), &token.config, &token.pin, &label),
        Err(CaError::KeyMismatch)
    ));

    // Discarded, the key is gone from the token.
    again.discard().unwrap();
    assert!(matches!(
        Ca::open_in_token(&ca.certificate_pem(), &token.config, &token.pin, &label),
        Err(CaError::Token(kanri_pki::TokenError::NoKey(_)))
    ));
}

#[test]
#[ignore = "needs the SoftHSM2 token of .ci/softhsm (.ci/test runs it with --ignored)"]
fn imported_key_is_in_the_token_and_not_in_its_files() {
    let token = token();
    // The bank's CA, made with OpenSSL: its key's private value is known
    // to this test, so the token's files can be searched for it.
    let dir = scratch();
    let run = |args: &[&str]| {
        let (ok, text) = openssl(dir.path(), args);
        assert!(ok, "openssl {args:?}: {text}");
        text
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/O=(9999)KENSHINYO TEST/CN=HSM IMPORT CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    let text = run(&["ec", "-in", "key.pem", "-noout", "-text"]);
    let scalar = openssl_ec_private_value(&text);
    assert_eq!(scalar.len(), 32);
    let key_pem = std::fs::read_to_string(dir.path().join("key.pem")).unwrap();
    let cert_pem = std::fs::read_to_string(dir.path().join("ca.pem")).unwrap();

    let store = KeyStore::Token {
        config: &token.config,
        pin: &token.pin,
    };
    let ca = Ca::import(&cert_pem, &key_pem, store).unwrap();
    assert!(ca.token_label().is_some());
    // It signs a CRL OpenSSL verifies with the bank's certificate.
    let crl = ca
        .build_crl(
            &CrlSpec {
                number: 7,
                this_update: Utc::now(),
                next_update: Utc::now() + Duration::hours(24),
            },
            &[],
        )
        .unwrap();
    std::fs::write(dir.path().join("crl.der"), &crl).unwrap();
    let (ok, text) = openssl(
        dir.path(),
        &[
            "crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "ca.pem", "-verify", "-noout",
        ],
    );
    assert!(ok && text.contains("verify OK"), "{text}");

    // SoftHSM2 keeps the key encrypted under the PIN in its files.
    let files = files_under(&token.token_dir);
    assert!(
        !files.is_empty(),
        "no token files under {:?}",
        token.token_dir
    );
    for (path, bytes) in &files {
        assert!(
            !contains_bytes(bytes, &scalar),
            "the key's bytes are in {path:?}"
        );
    }

    // A key that is not the certificate's never reaches the token.
    run(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "other.pem",
    ]);
    let other = std::fs::read_to_string(dir.path().join("other.pem")).unwrap();
    assert!(matches!(
        Ca::import(&cert_pem, &other, store),
        Err(CaError::KeyMismatch)
    ));
    ca.discard().unwrap();
}
