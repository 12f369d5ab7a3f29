//! The way e-mail leaves kanri: an SMTP server, or `.eml` files in a
//! folder (the default, so that the demo needs no mail server). What to
//! send and when lives in `use_cases::mail_notices`.
//!
//! Every message carries a key that is the same on every attempt (the
//! outbox row), because an instance killed between the hand-off and the
//! outbox update sends it again: the key becomes the `Message-ID`, by which
//! mail systems recognise a repeat, and the file name in a mail folder, so
//! that a repeat replaces the file instead of adding a second message.

use super::config::{MailConfig, MailTransport};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail configuration: {0}")]
    Config(String),
    #[error("mail address {0}: {1}")]
    Address(&'static str, lettre::address::AddressError),
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("mail file {0}: {1}")]
    File(PathBuf, std::io::Error),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// The configured way out: SMTP, or `.eml` files.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mailer::Smtp(_) => "Mailer::Smtp",
            Mailer::Files(_) => "Mailer::Files",
        })
    }
}

impl Mailer {
    pub fn from_config(config: &MailConfig) -> Result<Self, MailError> {
        match &config.transport {
            MailTransport::Files(dir) => {
                // Names, login IDs and 発行用コード: for kanri's user only.
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| MailError::Config(format!("{}: {e}", dir.display())))?;
                Ok(Mailer::Files(dir.clone()))
            }
            MailTransport::Smtp {
                host,
                port,
                starttls,
                username,
                password,
            } => {
                let builder = if *starttls {
                    AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                        .map_err(|e| MailError::Config(e.to_string()))?
                } else {
                    // Plain SMTP: only for a relay on a trusted network (or tests).
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                };
                let mut builder = builder
                    .port(*port)
                    .timeout(Some(std::time::Duration::from_secs(20)));
                if let (Some(user), Some(pass)) = (username, password) {
                    builder = builder
                        .credentials(Credentials::new(user.clone(), pass.expose().to_owned()));
                }
                Ok(Mailer::Smtp(builder.build()))
            }
        }
    }

    /// Sends one plain-text message; `key` names it the same way on every
    /// attempt (letters, digits and `-` only).
    pub async fn send(&self, key: &str, mail: &Outgoing<'_>) -> Result<(), MailError> {
        let message = build_message(key, mail)?;
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ())?,
            Mailer::Files(dir) => write_file(dir, key, &message.formatted()).await?,
        }
        Ok(())
    }
}

/// One message to send.
pub struct Outgoing<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

fn build_message(key: &str, mail: &Outgoing<'_>) -> Result<Message, MailError> {
    let from: Mailbox = mail
        .from
        .parse()
        .map_err(|e| MailError::Address("From", e))?;
    let to: Mailbox = mail.to.parse().map_err(|e| MailError::Address("To", e))?;
    let message_id = format!("<{key}@{}>", from.email.domain());
    Ok(Message::builder()
        .message_id(Some(message_id))
        .from(from)
        .to(to)
        .subject(mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.to_owned())?)
}

/// Writes `<key>.eml` whole or not at all (a temporary file renamed into
/// place), so that a reader of the folder never sees half a message and a
/// repeat replaces the first copy.
async fn write_file(dir: &std::path::Path, key: &str, bytes: &[u8]) -> Result<(), MailError> {
    let path = dir.join(format!("{key}.eml"));
    let temporary = dir.join(format!(".{key}.{:016x}.tmp", rand::random::<u64>()));
    tokio::fs::write(&temporary, bytes)
        .await
        .map_err(|e| MailError::File(temporary.clone(), e))?;
    tokio::fs::rename(&temporary, &path)
        .await
        .map_err(|e| MailError::File(path, e))
}
