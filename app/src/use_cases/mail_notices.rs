//! E-mail: the expiry reminders (the manual's "有効期限切れの40日前にEメール
//! でご案内", and on the bank's schedule `KANRI_EXPIRY_REMINDER_DAYS`, by
//! default 40 and 10 days before),
//! the revocation notice, and the event notices of SPEC 9.1 (取得, 更新,
//! ワンタイムパスワード registration and reset, 発行用コード grants) to the
//! user and the contract's master user.
//!
//! Messages are first written to the `mail_outbox` table — the expiry scan
//! with a unique (kind, certificate, reminder day) row, the revocation notice inside the
//! revocation's own transaction — and then delivered by [`deliver_pending`],
//! which claims each row before sending. So a notice is queued exactly once
//! per certificate however often and on however many instances the job runs;
//! a crash between the hand-off and the `sent_at` update makes the row be
//! sent again once its claim's lease expires, under the same key (see
//! `infra::mailer`), so the repeat replaces the message instead of adding one.

use crate::db::mail_outbox::{
    self as outbox, ExpiryCandidate, MailKind, NewMail, Person, SECRET_MARK,
};
use crate::db::Tx;
use crate::domain::audit::ClientInfo;
use crate::domain::suspension::HoldAction;
use crate::domain::IssuanceCode;
use crate::domain::{CertificateSerial, LoginId, Timestamp};
use crate::infra::coalesce;
use crate::infra::mailer::{MailError, Outgoing};
use crate::state::AppState;
use chrono::Duration;

/// How long a claim protects a message from other senders.
const CLAIM_LEASE_MINUTES: i64 = 10;

/// Subject and body of the reminder of `days` days. Plain Japanese text;
/// nothing secret, no links to click.
pub fn expiry_notice_text(c: &ExpiryCandidate, days: i64) -> (String, String) {
    let subject = format!("【電子証明書】有効期限が近づいています（{days}日以内）");
    let body = format!(
        "{name} 様\n\n\
         法人向けインターネットバンキングでご利用の電子証明書の有効期限が{days}日以内に迫っています。\n\n\
         ログインID：{login_id}\n\
         証明書シリアル番号：{serial}\n\
         有効期限：{not_after}\n\n\
         有効期限を過ぎると電子証明書は無効となり、ログインできなくなります。\n\
         有効期限までに、ログイン画面の「証明書更新」から更新してください。\n\
         有効期限が切れた場合は、クライアント証明書（電子証明書）の取得手順にしたがって再度取得してください。\n\n\
         本メールは送信専用です。ご不明な点はお取引店にお問い合わせください。\n",
        name = c.name,
        login_id = c.login_id,
        serial = c.serial,
        not_after = c.not_after.jst(),
    );
    (subject, body)
}

/// Subject and body of the revocation notice to the certificate's owner.
pub fn revocation_notice_text(
    name: &str,
    login_id: &str,
    serial: &str,
    revoked_at: Timestamp,
    revoked_by: &str,
) -> (String, String) {
    let subject = "【電子証明書】証明書が失効されました".to_owned();
    let body = format!(
        "{name} 様\n\n\
         法人向けインターネットバンキングでご利用の電子証明書が失効されました。\n\n\
         ログインID：{login_id}\n\
         証明書シリアル番号：{serial}\n\
         失効日時：{at}\n\
         失効操作者：{revoked_by}\n\n\
         失効した電子証明書ではログインできません。引き続きご利用になる場合は、\
         クライアント証明書（電子証明書）の取得手順にしたがって再度取得してください。\n\
         お心当たりのない場合は、マスターユーザまたはお取引店にお問い合わせください。\n\n\
         本メールは送信専用です。\n",
        at = revoked_at.jst(),
    );
    (subject, body)
}

/// Queues the expiry reminders due at `now`, on the bank's schedule
/// (`Config::expiry_reminder_days`, e.g. 40 and 10 days before 有効期限):
/// each certificate gets the reminder of the window it is in unless it had
/// that one or a later one, so each reminder goes once, and a certificate
/// first seen inside the last window gets only the last reminder, not every
/// earlier one at once. One transaction (one commit, not one per message).
/// Returns how many were queued.
pub async fn scan_expiring(state: &AppState, now: Timestamp) -> Result<usize, MailError> {
    let mut schedule = state.config.expiry_reminder_days.clone();
    schedule.sort_unstable();
    let mut due = Vec::new();
    let mut after = now;
    for days in schedule {
        let horizon = Timestamp(now.0 + Duration::days(days));
        let candidates = outbox::expiry_candidates(state.db.pool(), after, horizon, days).await?;
        due.extend(candidates.into_iter().map(|candidate| (candidate, days)));
        after = horizon;
    }
    if due.is_empty() {
        return Ok(0);
    }
    let texts: Vec<(String, String)> = due
        .iter()
        .map(|(candidate, days)| expiry_notice_text(candidate, *days))
        .collect();
    let mails: Vec<NewMail<'_>> = due
        .iter()
        .zip(&texts)
        .map(|((candidate, days), (subject, body))| NewMail {
            kind: MailKind::ExpiryNotice,
            certificate_id: candidate.certificate_id,
            notice_days: *days,
            recipient: &candidate.email,
            subject,
            body,
        })
        .collect();
    let mut tx = state.db.begin_write().await?;
    // A concurrent run may have queued some a moment ago: those are skipped.
    let queued = outbox::enqueue_many_tx(&mut tx, state.db.backend(), &mails, now).await?;
    tx.commit().await?;
    Ok(queued as usize)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub failed: usize,
}

/// The name of an outbox message on every attempt to send it.
pub fn message_key(outbox_id: i64) -> String {
    format!("kanri-mail-{outbox_id}")
}

/// Sends every queued message this sender can claim.
pub async fn deliver_pending(state: &AppState) -> Result<Delivery, MailError> {
    let pool = state.db.pool();
    let token = format!("{:032x}", rand::random::<u128>());
    let mut delivery = Delivery::default();
    loop {
        let now = state.clock.now();
        let lease = Timestamp(now.0 - Duration::minutes(CLAIM_LEASE_MINUTES));
        let ids = outbox::claimable_ids(pool, lease, 100).await?;
        if ids.is_empty() {
            return Ok(delivery);
        }
        let mut progressed = false;
        for id in ids {
            let Some(message) = outbox::claim(pool, id, &token, state.clock.now(), lease).await?
            else {
                continue;
            };
            progressed = true;
            let outgoing = Outgoing {
                from: &state.config.mail.from,
                to: &message.recipient,
                subject: &message.subject,
                body: &message.body,
            };
            let sent = state.mailer.send(&message_key(id), &outgoing).await;
            match sent {
                Ok(()) => {
                    outbox::mark_sent(pool, id, &token, state.clock.now()).await?;
                    delivery.sent += 1;
                }
                Err(err) => {
                    tracing::warn!(mail_id = id, error = %err, "mail delivery failed; will retry");
                    outbox::release(pool, id, &token).await?;
                    delivery.failed += 1;
                }
            }
        }
        if !progressed || delivery.failed > 0 {
            // Others hold the rest, or the transport is failing: try again next run.
            return Ok(delivery);
        }
    }
}

/// One run of the job: queue the due expiry notices, deliver what is
/// queued. It also records the 発行用コード that expired unused since the
/// last run (each once, in 操作履歴).
pub async fn run_once(state: &AppState) -> Result<(usize, Delivery), MailError> {
    if let Err(err) = super::issuance_codes::record_expiries(state).await {
        tracing::warn!(error = %err, "recording expired issuance codes failed");
    }
    let queued = scan_expiring(state, state.clock.now()).await?;
    let delivery = deliver_pending(state).await?;
    Ok((queued, delivery))
}

/// Queues the revocation notice to the certificate's owner, inside the
/// revocation's transaction: no revocation without its notice, and no notice
/// for a revocation that rolled back.
pub async fn enqueue_revocation_notice(
    tx: &mut Tx,
    owner_user_id: i64,
    owner_name: &str,
    owner_login_id: &LoginId,
    serial: &CertificateSerial,
    revoked_at: Timestamp,
    revoked_by: &str,
) -> Result<(), sqlx::Error> {
    let Some(email) = outbox::email_of(&mut **tx, owner_user_id).await? else {
        return Ok(());
    };
    let Some(certificate_id) = outbox::certificate_id(&mut **tx, serial).await? else {
        return Ok(());
    };
    let (subject, body) = revocation_notice_text(
        owner_name,
        owner_login_id.as_str(),
        serial.as_str(),
        revoked_at,
        revoked_by,
    );
    let new = NewMail {
        kind: MailKind::RevocationNotice,
        certificate_id,
        notice_days: 0,
        recipient: &email,
        subject: &subject,
        body: &body,
    };
    outbox::enqueue_tx(tx, &new, revoked_at).await?;
    Ok(())
}

/// An event that the user and their contract's master user hear of by
/// e-mail (SPEC 9.1): whoever did it, someone who did not expects to know.
pub enum Event<'a> {
    Issued {
        serial: &'a CertificateSerial,
    },
    Renewed {
        old: &'a CertificateSerial,
        new: &'a CertificateSerial,
    },
    OtpRegistered,
    OtpReset {
        by: &'a str,
    },
    CodeGranted {
        code: &'a IssuanceCode,
        expires_at: Timestamp,
        by: &'a str,
    },
    /// 一時停止 or 再開 of the user's certificate.
    Held {
        action: HoldAction,
        serial: &'a CertificateSerial,
        by: &'a str,
    },
}

impl Event<'_> {
    fn what(&self) -> &'static str {
        match self {
            Event::Issued { .. } => "電子証明書の取得",
            Event::Renewed { .. } => "電子証明書の更新",
            Event::OtpRegistered => "ワンタイムパスワードの登録",
            Event::OtpReset { .. } => "ワンタイムパスワードの登録解除",
            Event::CodeGranted { .. } => "発行用コードの発行",
            Event::Held {
                action: HoldAction::Suspend,
                ..
            } => "電子証明書の一時停止",
            Event::Held {
                action: HoldAction::Resume,
                ..
            } => "電子証明書の再開",
        }
    }

    /// The lines both recipients read.
    fn details(&self) -> String {
        match self {
            Event::Issued { serial } => format!("証明書シリアル番号：{serial}\n"),
            Event::Renewed { old, new } => {
                format!("新しい証明書シリアル番号：{new}\n旧証明書シリアル番号：{old}（失効）\n")
            }
            Event::OtpRegistered => String::new(),
            Event::OtpReset { by } => format!("操作者：{by}\n"),
            Event::CodeGranted { expires_at, by, .. } => {
                format!("操作者：{by}\n有効期限：{}\n", expires_at.jst())
            }
            Event::Held { serial, by, .. } => {
                format!("証明書シリアル番号：{serial}\n操作者：{by}\n")
            }
        }
    }
}

/// The subject and body of an event notice to `to` about `user`'s event.
/// The 発行用コード is only in the user's own copy, as [`SECRET_MARK`]: the
/// outbox keeps the code apart and clears it once the message is sent.
pub fn event_notice_text(
    event: &Event<'_>,
    to: &Person,
    user: &Person,
    branch: &str,
    at: Timestamp,
    client_ip: Option<&str>,
) -> (String, String) {
    let subject = format!("【法人インターネットバンキング】{}のお知らせ", event.what());
    let own = to.user_id == user.user_id;
    let whose = if own {
        "お客さまの利用者".to_owned()
    } else {
        format!("ご契約の利用者 {}（{}）様", user.name, user.login_id)
    };
    let code = match event {
        Event::CodeGranted { .. } if own => format!(
            "発行用コード：{SECRET_MARK}\n\
             ログイン画面の「電子証明書発行」から、ログインID・ログインパスワードとともに入力してください。\n"
        ),
        _ => String::new(),
    };
    let body = format!(
        "{name} 様\n\n\
         {whose}について、{what}が行われました。\n\n\
         ログインID：{login_id}\n\
         日時：{at}\n\
         操作元IPアドレス：{ip}\n\
         {details}{code}\n\
         お心当たりのない場合は、第三者による不正な操作のおそれがあります。\
         直ちにマスターユーザまたはお取引店（{branch}）にご連絡ください。\n\n\
         本メールは送信専用です。\n",
        name = to.name,
        what = event.what(),
        login_id = user.login_id,
        at = at.jst(),
        ip = client_ip.unwrap_or("不明"),
        details = event.details(),
    );
    (subject, body)
}

/// Queues the notice of `event` to the user and to the contract's master
/// user (once when they are the same person), inside the event's own
/// transaction: no event without its notices, none for one rolled back.
pub async fn enqueue_event_notice(
    tx: &mut Tx,
    user_id: i64,
    event: &Event<'_>,
    at: Timestamp,
    client: &ClientInfo,
) -> Result<(), sqlx::Error> {
    let Some(recipients) = outbox::recipients(tx, user_id).await? else {
        return Ok(());
    };
    let mut to = vec![&recipients.user];
    if let Some(master) = &recipients.master {
        if master.user_id != recipients.user.user_id {
            to.push(master);
        }
    }
    for person in to {
        let (subject, body) = event_notice_text(
            event,
            person,
            &recipients.user,
            &recipients.branch,
            at,
            client.ip.as_deref(),
        );
        let secret = match event {
            Event::CodeGranted { code, .. } if person.user_id == recipients.user.user_id => {
                Some(code.display())
            }
            _ => None,
        };
        outbox::enqueue_event(tx, &person.email, &subject, &body, secret.as_deref(), at).await?;
    }
    Ok(())
}

/// Delivers queued mail in the background, soon after a revocation; the
/// periodic job picks up whatever this misses.
pub fn spawn_delivery(state: &AppState) {
    let owned = state.clone();
    coalesce::spawn(&state.background.mail, move || {
        let state = owned.clone();
        async move {
            if let Err(err) = deliver_pending(&state).await {
                tracing::warn!(error = %err, "background mail delivery failed");
            }
        }
    });
}
