//! Hostile clients that are not browsers (issue 25): a head sent a byte at a
//! time, a body that never ends, more connections than the listener takes.
//! A real kanri-server process, plain HTTP, short limits so that the test
//! is quick: 2 s for a request's head and for a whole request, 8
//! connections at once, 4 from one client. The clients come from several
//! loopback addresses (127.0.0.1, .2, …: all of 127/8 reaches the server
//! on Linux), so that "another client" is another address.

use kanri_testkit::{Server, ServerSpec};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CAP: usize = 8;
const PER_CLIENT: usize = 4;
const TIMEOUT: Duration = Duration::from_secs(2);

async fn start(dir: &std::path::Path) -> Server {
    ServerSpec::new(env!("CARGO_BIN_EXE_kanri-server"), dir)
        .env("RUST_LOG", "warn")
        .env("KANRI_MAX_CONNECTIONS", CAP.to_string())
        .env("KANRI_MAX_CONNECTIONS_PER_CLIENT", PER_CLIENT.to_string())
        .env(
            "KANRI_HEADER_TIMEOUT_SECONDS",
            TIMEOUT.as_secs().to_string(),
        )
        .env(
            "KANRI_REQUEST_TIMEOUT_SECONDS",
            TIMEOUT.as_secs().to_string(),
        )
        .start()
        .await
        .expect("start kanri-server")
}

/// A connection to the server from the loopback address 127.0.0.`from`.
async fn connect_from(from: u8, port: u16) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, from], 0)))
        .unwrap();
    socket
        .connect(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap()
}

/// A normal client at 127.0.0.`from`: `GET /healthz`, the time its answer took.
async fn healthz(from: u8, port: u16) -> Duration {
    let started = Instant::now();
    let mut stream = connect_from(from, port).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: kanri\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    started.elapsed()
}

/// Whether the server closed `stream` (EOF, a reset, or an answer and EOF)
/// within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut buffer))
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_many_clients_are_cut_off_and_a_normal_one_is_served() {
    let dir = std::env::temp_dir().join(format!("kanri-slow-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = start(&dir).await;
    let port = server.port();

    // One client opens three times its share of connections and sends each
    // head a byte every 300 ms: its share is held, the rest closed at once;
    // meanwhile a normal client at another address is answered at once.
    let mut slow = Vec::new();
    let mut refused = 0;
    for _ in 0..PER_CLIENT * 3 {
        let mut stream = connect_from(1, port).await;
        let _ = stream.write_all(b"GET / HTTP/1.1\r\nHo").await;
        if closed_within(&mut stream, Duration::from_millis(200)).await {
            refused += 1;
        } else {
            slow.push(stream);
        }
    }
    println!(
        "slow connections from one client: {} held, {refused} closed at once",
        slow.len()
    );
    assert_eq!(slow.len(), PER_CLIENT, "one client holds its share");
    assert_eq!(refused, PER_CLIENT * 2, "the rest closed at once");
    let dripping = tokio::spawn(async move {
        for _ in 0..20 {
            for stream in &mut slow {
                let _ = stream.write_all(b"x").await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        slow
    });
    let answered = healthz(2, port).await;
    println!("a normal client beside them: answered in {answered:?}");
    assert!(
        answered < Duration::from_secs(1),
        "normal client took {answered:?}"
    );
    // The slow heads are cut off at the head timeout, however they drip.
    let mut slow = dripping.await.unwrap();
    for stream in &mut slow {
        assert!(
            closed_within(stream, Duration::from_millis(100)).await,
            "a slow head closed"
        );
    }

    // A body that never ends: 408 with a Japanese page at the request timeout.
    let mut stream = connect_from(1, port).await;
    let started = Instant::now();
    stream
        .write_all(
            b"POST /api/login HTTP/1.1\r\nHost: kanri\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 1000\r\n\r\nlogin_id=ma",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(TIMEOUT * 3, stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("時間がかかりすぎた"), "{answer}");
    assert!(started.elapsed() < TIMEOUT * 2, "{:?}", started.elapsed());

    // More idle connections than the cap, from several clients each within
    // its share (a botnet): the listener takes 8 and the rest wait in the
    // backlog; a normal client waits with them until the head timeout frees
    // places, then is served, and the process stays up.
    let mut idle = Vec::new();
    for from in 1..=3 {
        for _ in 0..PER_CLIENT {
            idle.push(connect_from(from, port).await);
        }
    }
    let answered = healthz(9, port).await;
    println!(
        "a normal client behind {} idle connections from 3 clients: answered in {answered:?}",
        idle.len()
    );
    assert!(
        answered < TIMEOUT * 4,
        "served once the idle ones were cut off: {answered:?}"
    );
    drop(idle);
    assert!(healthz(1, port).await < Duration::from_secs(1));
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
