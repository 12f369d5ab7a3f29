//! Issue 24, played by a browser that kanri did not write: Debian's
//! Chromium, with its own certificate store (an NSS database made by
//! `certutil`, trusting one root made here as `ca-init` makes it), loads a
//! page whose server certificate the root signed, and refuses the same kind
//! of certificate signed with the issuing CA's key. That refusal is what
//! keeps a stolen issuing key from intercepting HTTPS on a customer's PC
//! (the issuing CA's extended key usage allows client certificates only).
//! The server is `openssl s_server -www`, another real peer.

mod common;

use common::peers::{run, scratch};
use kanri_pki::{encode_pem, CaSubject, RootCa};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// What Chromium showed for `https://127.0.0.1:<port>/` served with
/// `certificate` (and `chain` after it): the page's DOM and Chromium's
/// own messages.
fn chromium_loads(
    dir: &Path,
    name: &str,
    certificate: &str,
    chain: Option<&str>,
    key: &str,
) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let accept = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_server",
        "-accept",
        &accept,
        "-cert",
        certificate,
        "-key",
        key,
        "-www",
        "-quiet",
    ];
    if let Some(chain) = chain {
        args.extend(["-cert_chain", chain]);
    }
    let mut server = Command::new("openssl")
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl is installed");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(&accept).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "s_server listens"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let profile = dir.join(format!("profile-{name}"));
    let out = Command::new("timeout")
        .arg("90")
        .arg("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("https://{accept}/"))
        // Chromium on Linux reads its certificate store from $HOME/.pki/nssdb.
        .env("HOME", dir)
        .output()
        .expect("chromium is installed (.ci/install does it)");
    let _ = server.kill();
    let _ = server.wait();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn chromium_refuses_a_server_certificate_from_the_issuing_ca() {
    let dir = scratch("browser-trust");
    let now = chrono::Utc::now() - chrono::Duration::hours(1);
    let subject = |common_name: &str| CaSubject {
        organization: "(9999)KENSHINYO TEST".into(),
        common_name: common_name.into(),
    };
    let root = RootCa::generate(&subject("KANRI TEST ROOT CA"), now).unwrap();
    let issuing = root
        .issue_issuing_ca(
            &subject("KANRI TEST CA"),
            now,
            kanri_pki::KeyStore::Software,
        )
        .unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let root_pem = write("root.pem", &root.certificate_pem());
    let issuing_pem = write("issuing.pem", &issuing.certificate_pem());
    let mut files = Vec::new();
    for (name, ca) in [("from-root", root.as_ca()), ("from-issuing", &issuing)] {
        let server = ca
            .issue_server_certificate(&["127.0.0.1", "localhost"], now, 2)
            .unwrap();
        let certificate = write(
            &format!("{name}.pem"),
            &encode_pem("CERTIFICATE", &server.certificate_der),
        );
        let key = write(&format!("{name}.key"), &server.key.to_pem());
        files.push((name, certificate, key));
    }

    // Chromium's store: kanri's root, trusted to identify sites, and nothing else.
    let nssdb = dir.join(".pki/nssdb");
    std::fs::create_dir_all(&nssdb).unwrap();
    let db = format!("sql:{}", nssdb.display());
    run("certutil", &["-d", &db, "-N", "--empty-password"], None);
    run(
        "certutil",
        &[
            "-d",
            &db,
            "-A",
            "-t",
            "C,,",
            "-n",
            "kanri-test-root",
            "-i",
            &root_pem,
        ],
        None,
    );
    let listed = run("certutil", &["-d", &db, "-L"], None);
    assert!(listed.contains("kanri-test-root"), "{listed}");

    let (_, certificate, key) = &files[0];
    let from_root = chromium_loads(&dir, "root", certificate, None, key);
    assert!(
        from_root.contains("s_server"),
        "the root's server certificate loads: {from_root}"
    );
    let (_, certificate, key) = &files[1];
    let from_issuing = chromium_loads(&dir, "issuing", certificate, Some(&issuing_pem), key);
    println!(
        "Chromium, a server certificate from the issuing CA: {}",
        from_issuing
            .lines()
            .find(|line| line.contains("ERR_"))
            .unwrap_or("(no net:: error printed)")
    );
    assert!(
        !from_issuing.contains("s_server"),
        "the issuing CA's server certificate must not load: {from_issuing}"
    );
    // ERR_CERT_INVALID: the chain reached the trusted root and was refused
    // (an unknown issuer would be ERR_CERT_AUTHORITY_INVALID).
    assert!(
        from_issuing.contains("net::ERR_CERT_INVALID"),
        "{from_issuing}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
