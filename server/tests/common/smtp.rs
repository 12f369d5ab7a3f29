//! A minimal SMTP server for tests: accepts one plain-text session on a free
//! loopback port and hands back what it received.

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Default, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub headers: String,
    /// The body, decoded from its Content-Transfer-Encoding.
    pub body: String,
}

impl Received {
    /// A header's value, with RFC 2047 `=?utf-8?b?…?=` words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = self.headers.lines().peekable();
        while let Some(line) = lines.next() {
            if line.to_ascii_lowercase().starts_with(&prefix) {
                let mut value = line[prefix.len()..].trim().to_owned();
                while lines
                    .peek()
                    .is_some_and(|l| l.starts_with(' ') || l.starts_with('\t'))
                {
                    value.push(' ');
                    value.push_str(lines.next().unwrap().trim());
                }
                return Some(decode_words(&value));
            }
        }
        None
    }
}

fn decode_words(value: &str) -> String {
    value
        .split(' ')
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
                let data = &word[10..word.len() - 2];
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(data)
                        .unwrap(),
                )
                .unwrap()
            } else {
                format!("{word} ")
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Starts the server; returns its port and a handle that yields the message.
pub async fn start() -> (u16, tokio::task::JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        let mut received = Received::default();
        write
            .write_all(b"220 localhost test SMTP\r\n")
            .await
            .unwrap();
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                write
                    .write_all(b"250-localhost\r\n250 8BITMIME\r\n")
                    .await
                    .unwrap();
            } else if upper.starts_with("MAIL FROM:") {
                received.mail_from = command[10..].trim().to_owned();
                write.write_all(b"250 OK\r\n").await.unwrap();
            } else if upper.starts_with("RCPT TO:") {
                received.rcpt_to.push(command[8..].trim().to_owned());
                write.write_all(b"250 OK\r\n").await.unwrap();
            } else if upper == "DATA" {
                write.write_all(b"354 go ahead\r\n").await.unwrap();
                let mut data = String::new();
                loop {
                    line.clear();
                    reader.read_line(&mut line).await.unwrap();
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(
                        line.strip_prefix('.')
                            .filter(|_| line.starts_with(".."))
                            .unwrap_or(&line),
                    );
                }
                (received.headers, received.body) = super::decode_message(&data);
                write.write_all(b"250 queued\r\n").await.unwrap();
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                write.write_all(b"250 OK\r\n").await.unwrap();
            }
        }
        received
    });
    (port, handle)
}
