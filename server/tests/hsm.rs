//! The issuing CA's key in a PKCS#11 token, run as the bank would (issue
//! 24): the real binary, a SoftHSM2 token of this test's own, the bank's
//! CA imported into it. The key's bytes (known to this test, which made the
//! key) are then searched for in the database file and in the memory of
//! the running server, which has signed a CRL with the token; the CA
//! passphrase is the token's PIN and `ca-reseal` changes it.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use kanri_testkit::{contains_bytes, openssl_ec_private_value};

use kanri_testkit::SOFTHSM_MODULE as MODULE;
const PIN: &str = "token-user-pin-of-the-bank";

struct Token {
    conf: PathBuf,
}

/// A new SoftHSM2 token in `dir`.
fn new_token(dir: &Path) -> Token {
    Token {
        conf: kanri_testkit::new_softhsm_token(dir, "bank-ca", PIN),
    }
}

fn command(data: &Path, token: &Token, pin: &str, with_token: bool) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kanri-server"));
    command
        .env("KANRI_DATA_DIR", data)
        .env("KANRI_CA_PASSPHRASE", pin)
        .env("SOFTHSM2_CONF", &token.conf)
        .env_remove("DATABASE_URL")
        .env_remove("KANRI_DEMO")
        .env("LEPTOS_OUTPUT_NAME", "kanri")
        .env("RUST_LOG", "warn");
    if with_token {
        command
            .env("KANRI_CA_PKCS11_MODULE", MODULE)
            .env("KANRI_CA_PKCS11_TOKEN", "bank-ca");
    } else {
        command
            .env_remove("KANRI_CA_PKCS11_MODULE")
            .env_remove("KANRI_CA_PKCS11_TOKEN");
    }
    command
}

fn run(mut command: Command, args: &[&str], stdin: &str) -> Output {
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn refused(out: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused: {stderr}");
    assert!(stderr.contains(message), "{message:?} in {stderr}");
}

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?}: {text}");
    text
}

/// Every readable mapping of process `pid`'s memory, searched for `needle`
/// (as a core dump would show it). Returns how many bytes were read.
fn memory_holds(pid: u32, needle: &[u8]) -> (bool, usize) {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut read = 0;
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        if !perms.starts_with('r') {
            continue;
        }
        let (start, end) = range.split_once('-').unwrap();
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        let mut bytes = vec![0; (end - start) as usize];
        // Some mappings (e.g. [vvar]) cannot be read; they hold no heap.
        if mem.seek(SeekFrom::Start(start)).is_err() || mem.read_exact(&mut bytes).is_err() {
            continue;
        }
        read += bytes.len();
        if contains_bytes(&bytes, needle) {
            return (true, read);
        }
    }
    (false, read)
}

/// `GET path` on `addr`, the whole answer's bytes.
fn get(addr: &str, path: &str) -> Vec<u8> {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: kanri\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    answer
}

fn serve(mut command: Command, addr: &str) -> Child {
    let child = command
        .arg("serve")
        .env("LEPTOS_SITE_ADDR", addr)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !get_ok(addr) {
        assert!(
            Instant::now() < deadline,
            "kanri-server did not start on {addr}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

fn get_ok(addr: &str) -> bool {
    std::net::TcpStream::connect(addr).is_ok() && get(addr, "/healthz").starts_with(b"HTTP/1.1 200")
}

#[test]
fn the_ca_key_in_a_token_is_nowhere_else() {
    let root = std::env::temp_dir().join(format!("kanri-hsm-{:016x}", rand::random::<u64>()));
    let token = new_token(&root.join("softhsm"));
    let data = root.join("data");
    let bank = root.join("bank");
    std::fs::create_dir_all(&bank).unwrap();
    // The bank's issuing CA (its own root here), made with OpenSSL.
    openssl(
        &bank,
        &[
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
            "/O=(9999)KENSHINYO/CN=BANK CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    let text = openssl(&bank, &["ec", "-in", "key.pem", "-noout", "-text"]);
    let scalar = openssl_ec_private_value(&text);
    let import = [
        "ca-import",
        "--certificate",
        bank.join("ca.pem").to_str().unwrap(),
        "--key",
        bank.join("key.pem").to_str().unwrap(),
        "--organization",
        "(9999)KENSHINYO",
        "--unit",
        "(9999)BANK CA",
    ]
    .map(str::to_owned);
    let import: Vec<&str> = import.iter().map(String::as_str).collect();

    // A wrong PIN opens nothing and stores nothing.
    refused(
        &run(
            command(&data, &token, "not-the-token-pin-at-all", true),
            &import,
            "",
        ),
        "正しくありません",
    );
    ok(&run(command(&data, &token, PIN, true), &import, ""));

    // The database's files, whatever SQLite keeps where (the main file,
    // its write-ahead log), hold the key's label and no key.
    let db: Vec<u8> = ["kanri.db", "kanri.db-wal", "kanri.db-shm"]
        .iter()
        .filter_map(|name| std::fs::read(data.join(name)).ok())
        .flatten()
        .collect();
    assert!(
        contains_bytes(&db, b"kanri issuing CA "),
        "the label is stored (the search finds what is there)"
    );
    assert!(
        !contains_bytes(&db, &scalar),
        "the key's bytes are in the database"
    );
    assert!(
        !contains_bytes(&db, b"ENCRYPTED PRIVATE KEY"),
        "no sealed key in the database either"
    );
    // An instance not told where the token is says so, and does not start.
    refused(
        &run(command(&data, &token, PIN, false), &["mail-run"], ""),
        "KANRI_CA_PKCS11_MODULE",
    );

    // The running server signs its CRL in the token; its memory, read
    // whole as a dump would be, holds no byte string of the key.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = serve(command(&data, &token, PIN, true), &addr);
    let answer = get(&addr, "/pki/crl");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&answer[..split])
    );
    std::fs::write(bank.join("crl.der"), &answer[split + 4..]).unwrap();
    let verified = openssl(
        &bank,
        &[
            "crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "ca.pem", "-verify", "-noout",
        ],
    );
    assert!(verified.contains("verify OK"), "{verified}");
    // The search finds what is there: the CA certificate the server loaded.
    openssl(
        &bank,
        &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"],
    );
    let certificate = std::fs::read(bank.join("ca.der")).unwrap();
    assert!(
        memory_holds(server.id(), &certificate).0,
        "the search works"
    );
    let (found, read) = memory_holds(server.id(), &scalar);
    let reversed: Vec<u8> = scalar.iter().rev().copied().collect();
    let (found_reversed, _) = memory_holds(server.id(), &reversed);
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        read > 1 << 20,
        "read only {read} bytes of the server's memory"
    );
    assert!(!found, "the key's bytes are in the server's memory");
    assert!(
        !found_reversed,
        "the key's bytes, little-endian, are in its memory"
    );
    eprintln!("searched {read} bytes of the running server's memory: no key bytes");

    // ca-reseal changes the token's PIN: then only the new one opens it.
    let new_pin = "a-new-token-pin-for-the-bank";
    ok(&run(
        command(&data, &token, PIN, true),
        &["ca-reseal"],
        &format!("{new_pin}\n"),
    ));
    refused(
        &run(command(&data, &token, PIN, true), &["mail-run"], ""),
        "正しくありません",
    );
    ok(&run(
        command(&data, &token, new_pin, true),
        &["mail-run"],
        "",
    ));
    let _ = std::fs::remove_dir_all(root);
}
