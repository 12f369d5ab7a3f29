//! 取得 (SPEC 7.2, manual 手順1–6): 証明書取得認証 → ワンタイムパスワード
//! (when registered) → the key method → 証明書発行結果. And the part every
//! issuance shares (取得, 更新, the operator, the demo): the certificate
//! made in the SPEC 7.1 profile, stored with its DER, and for a key made on
//! the server, the `.p12` waiting for its one download.

use super::{authority, login, Failure};
use crate::db::issuance_codes::{self, CodeLookup};
use crate::db::users::{self, UserRecord};
use crate::db::{audit_log, certificates, pending_downloads, violation, Tx, Violation};
use crate::domain::audit::{AuditEntry, ClientInfo};
use crate::domain::issuance_code::{proof_needed, ProofNeeded, Token};
use crate::domain::register::IssuedVia;
use crate::domain::secret::Password;
use crate::domain::time::cn_timestamp;
use crate::domain::{
    Actor, AuditAction, CertificateSerial, CertificateStatus, IssuanceCode, IssueRefusal, LoginId,
    NoticeWindow, Refusal, Timestamp, TypedLoginId,
};
use crate::error::AppError;
use crate::infra::pki::Pki;
use crate::state::AppState;
use chrono::Months;
use kanri_pki::{
    build_pkcs12, parse_csr, ClientSubject, CsrError, Passphrase, Validity, VerifiedCsr,
};
use sha2::{Digest, Sha256};

/// A `.p12` waits this long for its one download.
pub const DOWNLOAD_MINUTES: i64 = 10;
/// The shortest import password of a `.p12` (SPEC 7.2).
pub const MIN_IMPORT_PASSWORD_CHARS: usize = 8;

/// How the key of a new certificate is held.
pub enum KeyMethod {
    /// Made on the server; the user gets a `.p12` encrypted with this password.
    ServerKey(Passphrase),
    /// The user's own key (Windows `certreq`, openssl): only its public key is used.
    Csr(VerifiedCsr),
}

/// The key method as the form sent it.
pub enum KeyMethodInput<'a> {
    ServerKey {
        import_password: &'a str,
        repeated: &'a str,
    },
    /// The CSR's bytes, pasted (PEM) or uploaded (PEM or DER).
    Csr(&'a [u8]),
    /// No choice was made.
    None,
}

impl KeyMethodInput<'_> {
    /// The method, or why the form cannot be used. Nothing is counted or
    /// stored for these: they are typing mistakes.
    pub fn validate(&self) -> Result<KeyMethod, IssueRefusal> {
        match self {
            KeyMethodInput::None => Err(IssueRefusal::MethodMissing),
            KeyMethodInput::ServerKey {
                import_password,
                repeated,
            } => {
                if import_password.chars().count() < MIN_IMPORT_PASSWORD_CHARS {
                    Err(IssueRefusal::ImportPasswordTooShort)
                } else if import_password != repeated {
                    Err(IssueRefusal::ImportPasswordMismatch)
                } else {
                    Ok(KeyMethod::ServerKey(Passphrase::new(*import_password)))
                }
            }
            KeyMethodInput::Csr(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
                Err(IssueRefusal::CsrMissing)
            }
            KeyMethodInput::Csr(bytes) => parse_csr(bytes).map(KeyMethod::Csr).map_err(csr_refusal),
        }
    }
}

fn csr_refusal(err: CsrError) -> IssueRefusal {
    match err {
        CsrError::TooLarge => IssueRefusal::CsrTooLarge,
        CsrError::Malformed | CsrError::NotPkcs10 => IssueRefusal::CsrMalformed,
        CsrError::BadSignature => IssueRefusal::CsrBadSignature,
        CsrError::RsaKeyTooSmall { .. } => IssueRefusal::CsrWeakKey,
        CsrError::UnsupportedSignatureAlgorithm | CsrError::UnsupportedKeyType => {
            IssueRefusal::CsrUnsupportedKey
        }
    }
}

/// A certificate made and signed, not yet stored.
pub struct Prepared {
    pub serial: CertificateSerial,
    pub subject: ClientSubject,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub der: Vec<u8>,
    pub pem: String,
    /// The issuing CA that signed it.
    pub issuer_generation: i64,
    /// The `.p12` of a key made on the server.
    pub pkcs12: Option<Vec<u8>>,
    /// The same sealed for its wait in `pending_downloads` ([`P12_AT_REST`]).
    pub pkcs12_at_rest: Option<Vec<u8>>,
}

/// What a waiting `.p12` is sealed for (`Ca::seal_at_rest`): besides the
/// user's import password, a key only the server processes hold, so that
/// neither the database nor its backups give the key file away.
pub const P12_AT_REST: &str = "pending .p12";

impl Prepared {
    /// Its row in `certificates`, as `user_id`'s.
    pub fn row(&self, user_id: i64, issued_via: IssuedVia) -> certificates::NewCertificate<'_> {
        certificates::NewCertificate {
            user_id,
            serial: &self.serial,
            subject_o: &self.subject.organization,
            subject_ou: &self.subject.organizational_unit,
            subject_cn: &self.subject.common_name,
            not_before: self.not_before,
            not_after: self.not_after,
            der: &self.der,
            issued_via,
            issuer_generation: self.issuer_generation,
        }
    }
}

/// Makes `user`'s certificate, valid one year from `issued_at` (CN with its
/// microseconds, the certificate's times in whole seconds). CPU work: key,
/// signature and, for a server key, the PKCS#12 encryption.
pub fn prepare(
    pki: &Pki,
    login_id: &LoginId,
    contract_code: &str,
    method: &KeyMethod,
    issued_at: Timestamp,
) -> Result<Prepared, AppError> {
    let internal = |what: &str| {
        tracing::error!(what, "certificate issuance failed");
        AppError::Internal
    };
    let subject = pki.client_subject(format!(
        "{login_id}.{contract_code}.{}",
        cn_timestamp(issued_at.0)
    ));
    let not_after = issued_at
        .0
        .checked_add_months(Months::new(12))
        .ok_or_else(|| internal("validity"))?;
    let validity = Validity {
        not_before: issued_at.0,
        not_after,
    };
    let (issued, pkcs12) = match method {
        KeyMethod::ServerKey(import_password) => {
            let (issued, key) = pki
                .ca
                .issue_with_new_key(&subject, &validity, &pki.urls)
                .map_err(|_| internal("sign"))?;
            let p12 = build_pkcs12(
                &key,
                issued.der(),
                pki.ca.certificate_der(),
                import_password,
                &subject.common_name,
            )
            .map_err(|_| internal("pkcs12"))?;
            (issued, Some(p12))
        }
        KeyMethod::Csr(csr) => {
            let issued = pki
                .ca
                .issue_for_csr(csr, &subject, &validity, &pki.urls)
                .map_err(|_| internal("sign"))?;
            (issued, None)
        }
    };
    let validity = issued.validity();
    let pkcs12_at_rest = match &pkcs12 {
        Some(p12) => Some(
            pki.ca
                .seal_at_rest(P12_AT_REST, p12)
                .map_err(|_| internal("seal"))?,
        ),
        None => None,
    };
    Ok(Prepared {
        serial: CertificateSerial::from_bytes(*issued.serial().as_bytes()),
        not_before: Timestamp(validity.not_before),
        not_after: Timestamp(validity.not_after),
        der: issued.der().to_vec(),
        pem: issued.pem(),
        issuer_generation: pki.generation,
        subject,
        pkcs12,
        pkcs12_at_rest,
    })
}

/// [`prepare`] on the blocking pool: the PKCS#12 encryption takes
/// milliseconds that the async workers should not spend.
pub async fn prepare_off_runtime(
    state: &AppState,
    user: &UserRecord,
    method: KeyMethod,
    issued_at: Timestamp,
) -> Result<Prepared, AppError> {
    let pki = state.pki.clone();
    let (login_id, contract_code) = (user.login_id.clone(), user.contract_code.clone());
    tokio::task::spawn_blocking(move || {
        prepare(&pki, &login_id, &contract_code, &method, issued_at)
    })
    .await
    .map_err(|_| AppError::Internal)?
}

/// The token that fetches a `.p12` once; only its hash is stored.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores a prepared certificate as `user_id`'s 発行済み one, and (when
/// `download`) its `.p12` for one download. Returns the download token, if
/// any. Only `authority::sign_in` calls it. `Ok(None)`
/// from the inner result: a 発行済み certificate exists (the schema's
/// one-per-user rule refused the insert; roll back).
pub(crate) async fn store_in(
    tx: &mut Tx,
    user_id: i64,
    prepared: &Prepared,
    now: Timestamp,
    download: bool,
    issued_via: IssuedVia,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let certificate_id = match certificates::insert(tx, prepared.row(user_id, issued_via)).await {
        Ok(id) => id,
        Err(e) if violation(&e) == Some(Violation::Unique) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(pkcs12) = prepared.pkcs12_at_rest.as_ref().filter(|_| download) else {
        return Ok(Some(None));
    };
    let token = format!("{:032x}", rand::random::<u128>());
    let expires_at = Timestamp(now.0 + chrono::Duration::minutes(DOWNLOAD_MINUTES));
    pending_downloads::insert(tx, &token_hash(&token), certificate_id, pkcs12, expires_at).await?;
    Ok(Some(Some(token)))
}

/// What the result screen (証明書発行結果 / CCHK007) shows.
pub struct Issued {
    pub serial: CertificateSerial,
    pub subject: ClientSubject,
    pub not_after: Timestamp,
    /// The CSR route's certificate (PEM); the `.p12` route's is in the file.
    pub pem: Option<String>,
    /// Fetches the `.p12` once.
    pub download_token: Option<String>,
}

impl Issued {
    pub fn from_prepared(prepared: Prepared, download_token: Option<String>) -> Self {
        Issued {
            pem: prepared.pkcs12.is_none().then_some(prepared.pem),
            serial: prepared.serial,
            subject: prepared.subject,
            not_after: prepared.not_after,
            download_token,
        }
    }
}

/// The 操作履歴 row of a step of `user`.
pub(crate) fn entry(
    now: Timestamp,
    user: &UserRecord,
    action: AuditAction,
    client: &ClientInfo,
) -> AuditEntry {
    AuditEntry::new(
        now,
        Actor::User(user.login_id.clone()),
        Some(&user.contract_code),
        action,
        client,
    )
}

/// Writes one 操作履歴 row on its own (a refusal found after a rollback, a download).
pub(crate) async fn record_entry(state: &AppState, entry: AuditEntry) -> Result<(), AppError> {
    audit_log::insert(&state.db, &entry).await?;
    Ok(())
}

/// The user's current 証明書状態, read now.
async fn current_status(
    state: &AppState,
    user: &UserRecord,
    now: Timestamp,
) -> Result<(CertificateStatus, Option<CertificateSerial>), AppError> {
    let row =
        users::find_with_certificate(state.db.pool(), user.contract_id, &user.login_id).await?;
    let certificate = row.and_then(|r| r.certificate);
    Ok((
        CertificateStatus::of(certificate.as_ref(), now, state.config.notice_window()),
        certificate.map(|c| c.serial),
    ))
}

/// Who passed 証明書取得認証.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Authenticated {
    pub user_id: i64,
    /// The user registered a ワンタイムパスワード: it is asked next.
    pub needs_otp: bool,
    /// The live 発行用コード the user typed: used when the certificate is
    /// issued, in the same transaction.
    pub code_id: Option<i64>,
}

/// What SPEC 9.1 asks of `user` at 取得, their newest certificate being
/// `status` ([`proof_needed`], the rule).
pub(crate) fn proof_for(user: &UserRecord, status: CertificateStatus) -> ProofNeeded {
    let token = match (&user.otp_secret, user.otp_with_certificate) {
        (None, _) => Token::None,
        (Some(_), false) => Token::RegisteredWithPassword,
        (Some(_), true) => Token::RegisteredWithCertificate,
    };
    proof_needed(
        user.certificate_login || user.issuance_code_required,
        token,
        status == CertificateStatus::Revoked,
    )
}

/// The 発行用コード typed on 証明書取得認証 (or on CCHK002 for an expired
/// certificate), checked against what the user needs. Read only.
pub(crate) async fn code_check(
    state: &AppState,
    user: &UserRecord,
    status: CertificateStatus,
    typed_code: &str,
    now: Timestamp,
) -> Result<Result<Option<i64>, IssueRefusal>, AppError> {
    let needed = proof_for(user, status);
    if typed_code.trim().is_empty() {
        return Ok(if needed.code {
            Err(IssueRefusal::CodeRequired)
        } else {
            Ok(None)
        });
    }
    let Some(code) = IssuanceCode::parse(typed_code) else {
        return Ok(Err(IssueRefusal::CodeInvalid));
    };
    Ok(
        match issuance_codes::look_up(state.db.pool(), user.id, &token_hash(code.expose()), now)
            .await?
        {
            CodeLookup::Live(id) => Ok(Some(id)),
            CodeLookup::Expired => Err(IssueRefusal::CodeExpired),
            CodeLookup::Invalid => Err(IssueRefusal::CodeInvalid),
        },
    )
}

/// 証明書取得認証: the user's ログインパスワード (a wrong one counts toward
/// the login stop) and, where SPEC 9.1 needs one, a 発行用コード. Refused
/// at once while a 発行済み certificate exists.
pub async fn authenticate(
    state: &AppState,
    login_id: &TypedLoginId,
    password: &Password,
    typed_code: &str,
    client: &ClientInfo,
) -> Result<Authenticated, Failure<Refusal>> {
    let check = login::check_password(state, login_id, password, client).await?;
    let now = state.clock.now();
    // Read before the transaction (no second pooled connection while it holds one).
    let found = match &check.verdict {
        Ok(user) => {
            let status = current_status(state, user, now).await?.0;
            Some((
                status,
                code_check(state, user, status, typed_code, now).await?,
            ))
        }
        Err(_) => None,
    };
    let entry = AuditEntry::new(
        now,
        check.actor.clone(),
        check.contract_code.as_deref(),
        AuditAction::IssuanceAuth,
        client,
    );
    let mut tx = state.db.begin_write().await?;
    let record = login::worth_recording(state, &mut tx, &check, client).await?;
    let result: Result<Authenticated, Refusal> =
        match (login::settle_password(&mut tx, check).await?, found) {
            (Err(refusal), _) => Err(refusal.into()),
            (Ok(_), Some((CertificateStatus::Issued { .. }, _))) => {
                Err(IssueRefusal::AlreadyIssued.into())
            }
            (Ok(_), Some((CertificateStatus::Suspended, _))) => Err(IssueRefusal::Suspended.into()),
            (Ok(_), Some((_, Err(refusal)))) => Err(refusal.into()),
            (Ok(user), found) => Ok(Authenticated {
                user_id: user.id,
                needs_otp: user.otp_secret.is_some(),
                code_id: found.and_then(|(_, code)| code.ok()).flatten(),
            }),
        };
    let entry = match &result {
        Ok(Authenticated {
            code_id: Some(_), ..
        }) => entry.target("発行用コード確認"),
        _ => entry,
    };
    if record {
        audit_log::insert_tx(&mut tx, &entry.outcome(&result)).await?;
    }
    tx.commit().await?;
    result.map_err(Failure::Refused)
}

/// The key method of the last step, or the refusal recorded in 操作履歴
/// under `action` (a short, unrepeated or guessable import password, a bad
/// CSR).
pub(crate) async fn key_method(
    state: &AppState,
    user: &UserRecord,
    input: &KeyMethodInput<'_>,
    entry: &AuditEntry,
) -> Result<KeyMethod, Failure<IssueRefusal>> {
    let checked = match (input.validate(), input) {
        (
            Ok(_),
            KeyMethodInput::ServerKey {
                import_password, ..
            },
        ) if guessable(state, user, import_password).await? => {
            Err(IssueRefusal::ImportPasswordGuessable)
        }
        (validated, _) => validated,
    };
    match checked {
        Ok(method) => Ok(method),
        Err(refusal) => {
            record_entry(state, entry.clone().refused(refusal)).await?;
            Err(Failure::Refused(refusal))
        }
    }
}

/// Whether a `.p12`'s import password is the first thing a thief of the
/// file would try: the login ID, one character repeated, or one of the
/// user's own passwords (a phished password must not open the key too).
/// The last costs two argon2 checks, once per server-made key.
async fn guessable(state: &AppState, user: &UserRecord, typed: &str) -> Result<bool, AppError> {
    let mut chars = typed.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) || typed.eq_ignore_ascii_case(user.login_id.as_str()) {
        return Ok(true);
    }
    let typed = Password::new(typed.to_owned());
    for hash in [&user.login_password_hash, &user.confirmation_password_hash] {
        if state.hasher.verify(&typed, hash).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The last step of 取得: the certificate in the chosen key method. An
/// expired certificate ends (superseded) in the same transaction; a
/// 発行済み one refuses. The 発行用コード of the authentication, if any, is
/// used in the same transaction (once: of two issuances, one gets it), and
/// the proof SPEC 9.1 needs is asked again inside the issuing transaction,
/// so that a 失効 during the 取得 still holds.
pub async fn issue(
    state: &AppState,
    authenticated: &Authenticated,
    input: &KeyMethodInput<'_>,
    client: &ClientInfo,
) -> Result<Issued, Failure<IssueRefusal>> {
    let user = users::find_by_id(state.db.pool(), authenticated.user_id)
        .await?
        .ok_or(AppError::SessionEnded)?;
    let now = state.clock.now();
    let entry = entry(now, &user, AuditAction::CertificateIssue, client);
    let method = key_method(state, &user, input, &entry).await?;
    let (status, _) = current_status(state, &user, now).await?;
    if let Err(refusal) = may_issue(&user, status, authenticated) {
        record_entry(state, entry.refused(refusal)).await?;
        return Err(Failure::Refused(refusal));
    }
    let prepared = prepare_off_runtime(state, &user, method, now).await?;
    let mut tx = state.db.begin_write().await?;
    let expired = match settle_in(&mut tx, &user, authenticated, now).await? {
        Ok(expired) => expired,
        Err(refusal) => {
            tx.rollback().await?;
            record_entry(state, entry.refused(refusal)).await?;
            return Err(Failure::Refused(refusal));
        }
    };
    // An expired certificate leaves the 発行済み state (superseded): it is
    // past its validity, so no CRL needs it, but the record says what
    // replaced it.
    let signed = authority::sign_in(
        &mut tx,
        &user,
        &prepared,
        expired.as_ref(),
        now,
        Some(client),
        IssuedVia::obtained(prepared.pkcs12.is_some()),
    );
    let Some(token) = signed.await? else {
        // Another 取得 came first, or the expired one changed meanwhile.
        tx.rollback().await?;
        record_entry(state, entry.refused(IssueRefusal::AlreadyIssued)).await?;
        return Err(Failure::Refused(IssueRefusal::AlreadyIssued));
    };
    let used = if authenticated.code_id.is_some() {
        " 発行用コード使用"
    } else {
        ""
    };
    let done = entry.target(format!("{} ({}){used}", user.login_id, prepared.serial));
    audit_log::insert_tx(&mut tx, &done).await?;
    tx.commit().await?;
    authority::published(state);
    Ok(Issued::from_prepared(prepared, token))
}

/// Whether `user`, whose newest certificate is `status`, may be issued one
/// with what their authentication brought.
fn may_issue(
    user: &UserRecord,
    status: CertificateStatus,
    authenticated: &Authenticated,
) -> Result<(), IssueRefusal> {
    if matches!(status, CertificateStatus::Issued { .. }) {
        Err(IssueRefusal::AlreadyIssued)
    } else if status == CertificateStatus::Suspended {
        Err(IssueRefusal::Suspended)
    } else if proof_for(user, status).code && authenticated.code_id.is_none() {
        Err(IssueRefusal::CodeRequired)
    } else {
        Ok(())
    }
}

/// The checks again, on what the issuing transaction sees (the key was
/// made meanwhile: a 失効 or a grant elsewhere may have landed), then the
/// code used, in `tx`. Returns the expired certificate the new one
/// replaces, if any.
async fn settle_in(
    tx: &mut Tx,
    user: &UserRecord,
    authenticated: &Authenticated,
    now: Timestamp,
) -> Result<Result<Option<CertificateSerial>, IssueRefusal>, sqlx::Error> {
    let newest = users::find_with_certificate(&mut **tx, user.contract_id, &user.login_id)
        .await?
        .and_then(|row| row.certificate);
    // The 期限間近 window plays no part in who may obtain a certificate.
    let status = CertificateStatus::of(newest.as_ref(), now, NoticeWindow::DEFAULT);
    if let Err(refusal) = may_issue(user, status, authenticated) {
        return Ok(Err(refusal));
    }
    if let Some(code_id) = authenticated.code_id {
        if !issuance_codes::consume(tx, code_id, user.id, now).await? {
            return Ok(Err(IssueRefusal::CodeInvalid));
        }
    }
    Ok(Ok(newest
        .filter(|_| status == CertificateStatus::Expired)
        .map(|c| c.serial)))
}

/// The one download of a `.p12`. The second, or one after 10 minutes,
/// finds nothing.
pub async fn take_download(
    state: &AppState,
    user_id: i64,
    token: &str,
    client: &ClientInfo,
) -> Result<Vec<u8>, Failure<IssueRefusal>> {
    let user = users::find_by_id(state.db.pool(), user_id)
        .await?
        .ok_or(AppError::SessionEnded)?;
    let now = state.clock.now();
    let taken = pending_downloads::take(state.db.pool(), &token_hash(token), now).await?;
    // Sealed by the issuing CA of its day: the previous one for a .p12
    // made just before a `ca-rollover`.
    let opened = match taken {
        Some(sealed) => Some(
            state
                .pki
                .issuers()
                .find_map(|(_, ca)| ca.open_at_rest(P12_AT_REST, &sealed))
                .ok_or_else(|| {
                    tracing::error!("a waiting .p12 does not open with any issuing CA's key");
                    AppError::Internal
                })?,
        ),
        None => None,
    };
    let result = opened.ok_or(IssueRefusal::DownloadGone);
    let entry = entry(now, &user, AuditAction::CertificateDownload, client).outcome(&result);
    record_entry(state, entry).await?;
    result.map_err(Failure::Refused)
}

/// The user a 取得 or 更新 in progress was authenticated as: gone (deleted
/// since) ends the flow like an ended session.
pub async fn pending_user(state: &AppState, user_id: i64) -> Result<UserRecord, AppError> {
    users::find_by_id(state.db.pool(), user_id)
        .await?
        .ok_or(AppError::SessionEnded)
}
