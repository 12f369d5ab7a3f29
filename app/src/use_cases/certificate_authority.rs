//! kanri's issuing CA (SPEC 7.1): created under a new root (`ca-init`) or
//! imported with its chain (`ca-import`) by the bank, stored once in the
//! database with its key sealed by a passphrase or kept in a PKCS#11 token
//! (an HSM, `KANRI_CA_PKCS11_*`; the passphrase is then the token's PIN),
//! and opened by every instance at start. The root's key never stays: `ca-init` hands it to the
//! bank sealed, to keep offline (issue 24); the demo's root signs the
//! demo's HTTPS server certificate and is dropped.

use crate::db::certificate_authority::{self as stored, Origin, StoredCa, StoredIssuer, StoredKey};
use crate::db::{audit_log, Db};
use crate::domain::audit::{AuditEntry, ClientInfo};
use crate::domain::{Actor, AuditAction, Timestamp};
use crate::infra::config::{Config, DEMO_CA_PASSPHRASE};
use crate::infra::pki::Pki;
use kanri_pki::{
    Ca, CaError, CaSubject, KeyStore, Passphrase, PublicUrls, RootCa, SealedKey, ServerCertificate,
    TokenError,
};

/// The demo CA's names (SPEC section 6): O / OU of the demo certificates.
pub const DEMO_ORGANIZATION: &str = "(9999)KENSHINYO DEMO";
pub const DEMO_UNIT: &str = "(9999)KANRI DEMO CA";
const DEMO_CA_NAME: &str = "KANRI DEMO CA";
const DEMO_ROOT_NAME: &str = "KANRI DEMO ROOT CA";
/// The demo's HTTPS server certificate: as long as its issuing CA.
const DEMO_TLS_DAYS: i64 = 3650;

/// What the bank names when it creates or imports a CA.
pub struct CaNames {
    /// O of the CA certificate and of every client certificate, `(9999)<bank>`.
    pub organization: String,
    /// CN of the (issuing) CA certificate.
    pub common_name: String,
    /// CN of the root `ca-init` makes above it.
    pub root_common_name: String,
    /// OU of every client certificate, `(9999)<CA name>`.
    pub unit: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CaSetupError {
    #[error("認証局がまだありません。kanri-server ca-init（新規作成）または ca-import（既存の認証局の取り込み）を実行してください")]
    Missing,
    #[error("認証局は作成済みです（作り直すことはできません）")]
    Exists,
    #[error("認証局の鍵のパスフレーズがありません。KANRI_CA_PASSPHRASE または KANRI_CA_PASSPHRASE_FILE を設定してください")]
    NoPassphrase,
    #[error("認証局の鍵のパスフレーズが正しくありません（KANRI_CA_PASSPHRASE / KANRI_CA_PASSPHRASE_FILE）")]
    WrongPassphrase,
    #[error("認証局の鍵のパスフレーズは{MIN_PASSPHRASE_CHARS}文字以上にしてください（今の鍵は kanri-server ca-reseal で新しいパスフレーズに変えられます）")]
    ShortPassphrase,
    #[error("この認証局はデモ用です（公開されたパスフレーズで保護されています）。デモモード以外では使えません。ca-init で新しいデータベースに認証局を作成してください")]
    DemoCaOutsideDemo,
    #[error("このデータベースの認証局は本番用です。デモモード（KANRI_DEMO=1 / serve --demo）では使えません（デモの利用者とパスワードは公開されています）")]
    RealCaInDemo,
    #[error("デモ用のパスフレーズは公開されています。認証局の鍵には使えません")]
    DemoPassphrase,
    #[error("ルート認証局の鍵のパスフレーズは、発行用認証局の鍵のパスフレーズ（KANRI_CA_PASSPHRASE）と別のものにしてください")]
    RootPassphraseReused,
    #[error("認証局の鍵は同時に別の操作で変更されました。もう一度実行してください")]
    ResealRaced,
    #[error("この認証局はルート認証局ではありません。上位の証明書をルート認証局まで --chain（PEM）で指定してください")]
    ChainMissing,
    #[error(
        "--chain の証明書が、この認証局から自己署名のルート認証局までの連なりになっていません"
    )]
    ChainBroken,
    #[error("--chain の証明書に、今日が有効期間外のものがあります")]
    ChainNotValidNow,
    #[error("KANRI_PUBLIC_URL が正しくありません（例: https://kanri.example.jp）")]
    PublicUrl,
    #[error("{0}は空にできません")]
    EmptyName(&'static str),
    #[error("認証局の鍵は PKCS#11 トークンにあります。KANRI_CA_PKCS11_MODULE と KANRI_CA_PKCS11_TOKEN を設定してください")]
    TokenNotConfigured,
    #[error("PKCS#11 トークンを使えません: {0}")]
    Token(TokenError),
    #[error("認証局: {0}")]
    Pki(CaError),
    #[error("デモのサーバ証明書を作れません: {0}")]
    DemoTls(String),
    #[error("ルート認証局の鍵を書き出せません（認証局は作成していません）: {0}")]
    RootKeyNotKept(String),
    #[error("この認証局は自身がルート認証局です。発行用認証局の切替には、上位の認証局の下にある発行用認証局が必要です")]
    RolloverWithoutRoot,
    #[error("--root-key の鍵は、この発行用認証局を証明した上位の認証局（ca-init のルート認証局）のものではありません")]
    RootKeyForeign,
    #[error("同時に実行された別の ca-rollover か ca-reseal が先に完了しました。今の認証局を確かめてから、必要ならもう一度実行してください")]
    RolloverRaced,
    #[error("ルート認証局の鍵のパスフレーズが正しくありません")]
    RootPassphraseWrong,
    #[error("新しい発行用認証局の名前（CN）は、今までの認証局（発行用・ルート）の名前と別のものにしてください（大文字・小文字や空白の違いだけでは別の名前になりません）")]
    RolloverSameName,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl From<CaError> for CaSetupError {
    fn from(err: CaError) -> Self {
        match err {
            CaError::WrongPassphrase => CaSetupError::WrongPassphrase,
            CaError::EmptyPassphrase => CaSetupError::NoPassphrase,
            CaError::ChainMissing => CaSetupError::ChainMissing,
            CaError::ChainMalformed | CaError::ChainBroken => CaSetupError::ChainBroken,
            CaError::ChainNotValidNow => CaSetupError::ChainNotValidNow,
            CaError::Token(TokenError::WrongPin) => CaSetupError::WrongPassphrase,
            CaError::Token(other) => CaSetupError::Token(other),
            other => CaSetupError::Pki(other),
        }
    }
}

/// The shortest passphrase a CA key is sealed with outside demo mode: the
/// sealed key sits in the database and its backups, where it can be
/// attacked offline at leisure.
pub const MIN_PASSPHRASE_CHARS: usize = 16;

/// The passphrase this server opens the CA with: the configured one, or
/// the demo's in demo mode. Outside demo mode a short one is refused.
/// The delegated OCSP responder's key is sealed with it too.
pub(crate) fn passphrase(config: &Config) -> Result<Passphrase, CaSetupError> {
    let passphrase = configured_passphrase(config)?;
    if !config.demo {
        strong_enough(&passphrase)?;
    }
    Ok(passphrase)
}

/// The configured passphrase whatever its length: `ca-reseal` opens a key
/// sealed before the length rule with it.
fn configured_passphrase(config: &Config) -> Result<Passphrase, CaSetupError> {
    match &config.ca_passphrase {
        Some(p) if !p.is_empty() => Ok(p.clone()),
        _ if config.demo => Ok(Passphrase::new(DEMO_CA_PASSPHRASE)),
        _ => Err(CaSetupError::NoPassphrase),
    }
}

/// Where a new issuing CA's key is made (or an imported one put): the
/// configured PKCS#11 token, whose PIN is the passphrase, or kanri's memory.
fn key_store<'a>(config: &'a Config, passphrase: &'a Passphrase) -> KeyStore<'a> {
    match &config.ca_token {
        Some(token) => KeyStore::Token {
            config: token,
            pin: passphrase,
        },
        None => KeyStore::Software,
    }
}

/// Where a new issuing CA's key is kept, as the database names it: the
/// token's label, or the key sealed with `passphrase`.
fn stored_key(ca: &Ca, passphrase: &Passphrase) -> Result<StoredKey, CaError> {
    Ok(match ca.token_label() {
        Some(label) => StoredKey::InToken(label.to_owned()),
        None => StoredKey::Sealed(ca.seal_key(passphrase)?.as_pem().to_owned()),
    })
}

/// The end of `ca-init` and `ca-import` (and the demo CA's making): a CA
/// made but not stored (one was already, or the root's key could not be
/// kept, or the chain is broken) leaves nothing behind in the token.
async fn kept_or_discarded(
    db: &Db,
    ca: Ca,
    stored: Result<bool, CaSetupError>,
) -> Result<(), CaSetupError> {
    match stored {
        Ok(true) => Ok(()),
        Ok(false) => {
            discard(db, ca).await;
            Err(CaSetupError::Exists)
        }
        Err(err) => {
            discard(db, ca).await;
            Err(err)
        }
    }
}

/// Takes `ca`'s key out of the token unless the database names it after
/// all: a commit reported as failed may have gone through, and a stored
/// CA whose key was taken out would never open again.
async fn discard(db: &Db, ca: Ca) {
    let Some(label) = ca.token_label().map(str::to_owned) else {
        return;
    };
    match stored::load(db.pool()).await {
        Ok(Some(row)) if row.key == StoredKey::InToken(label) => return,
        Ok(_) => {}
        Err(err) => {
            tracing::warn!(
                "kept an unused CA key in the PKCS#11 token (database unreadable: {err})"
            );
            return;
        }
    }
    if let Err(err) = ca.discard() {
        tracing::warn!("could not take an unused CA key out of the PKCS#11 token: {err}");
    }
}

fn strong_enough(passphrase: &Passphrase) -> Result<(), CaSetupError> {
    if passphrase.is(DEMO_CA_PASSPHRASE) {
        return Err(CaSetupError::DemoPassphrase);
    }
    if passphrase.chars() < MIN_PASSPHRASE_CHARS {
        return Err(CaSetupError::ShortPassphrase);
    }
    Ok(())
}

/// A CA serves in the mode it was made in: the demo's (sealed with a
/// published passphrase) only in demo mode, the bank's never in demo mode,
/// which would load users with published passwords beside real ones.
fn same_mode(row: &StoredCa, config: &Config) -> Result<(), CaSetupError> {
    match (row.demo, config.demo) {
        (true, false) => Err(CaSetupError::DemoCaOutsideDemo),
        (false, true) => Err(CaSetupError::RealCaInDemo),
        _ => Ok(()),
    }
}

/// What is stored beside the issuing CA.
struct Above {
    /// The chain up to the root, PEM (empty: the CA is its own root).
    chain_pem: String,
    /// The demo's HTTPS server certificate (PEM) and its sealed key.
    demo_tls: Option<(String, String)>,
    origin: Origin,
    /// Made in demo mode.
    demo: bool,
}

async fn store(
    db: &Db,
    ca: &Ca,
    above: Above,
    names: &CaNames,
    passphrase: &Passphrase,
    now: Timestamp,
) -> Result<bool, CaSetupError> {
    for (label, name) in [("O", &names.organization), ("OU", &names.unit)] {
        if name.trim().is_empty() {
            return Err(CaSetupError::EmptyName(label));
        }
    }
    let key = stored_key(ca, passphrase)?;
    let row = StoredCa {
        generation: 1,
        certificate_pem: ca.certificate_pem(),
        key,
        client_o: names.organization.clone(),
        client_ou: names.unit.clone(),
        demo: above.demo,
        chain_pem: Some(above.chain_pem).filter(|chain| !chain.is_empty()),
        demo_tls: above.demo_tls,
    };
    let mut tx = db.begin_write().await?;
    let stored = stored::insert(&mut tx, &row, above.origin, now).await?;
    if stored {
        let entry = AuditEntry::new(
            now,
            Actor::BankOperator,
            None,
            AuditAction::CaCreate,
            &ClientInfo::default(),
        )
        .target(ca.subject());
        audit_log::insert_tx(&mut tx, &entry).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// `ca-init`: a new root and an issuing CA under it, both P-256. The
/// root's key, sealed under `root_passphrase` (at least as strong as the
/// CA passphrase, and another one), goes to `keep_root` for the bank to
/// keep offline, before anything is stored: a CA whose root key could not
/// be kept is not made. It is not stored: kanri keeps the root's
/// certificate only. The issuing CA is stored with its key sealed under
/// the configured passphrase.
pub async fn create(
    db: &Db,
    config: &Config,
    names: &CaNames,
    root_passphrase: &Passphrase,
    keep_root: impl FnOnce(&SealedKey) -> Result<(), String>,
    now: Timestamp,
) -> Result<(), CaSetupError> {
    let passphrase = passphrase(config)?;
    strong_enough(root_passphrase)?;
    if root_passphrase.same_as(&passphrase) {
        return Err(CaSetupError::RootPassphraseReused);
    }
    if stored::load(db.pool()).await?.is_some() {
        return Err(CaSetupError::Exists);
    }
    let (root, ca) = two_tiers(names, now, key_store(config, &passphrase))?;
    let above = Above {
        chain_pem: root.certificate_pem(),
        demo_tls: None,
        origin: Origin::Generated,
        demo: config.demo,
    };
    let kept = root
        .seal_key(root_passphrase)
        .map_err(CaSetupError::from)
        .and_then(|sealed| keep_root(&sealed).map_err(CaSetupError::RootKeyNotKept));
    let stored = match kept {
        Ok(()) => store(db, &ca, above, names, &passphrase, now).await,
        Err(err) => Err(err),
    };
    kept_or_discarded(db, ca, stored).await
}

/// A new root and the issuing CA it certifies, named as `names` says.
fn two_tiers(
    names: &CaNames,
    now: Timestamp,
    store: KeyStore<'_>,
) -> Result<(RootCa, Ca), CaSetupError> {
    for (label, name) in [
        ("CN", &names.common_name),
        ("root CN", &names.root_common_name),
    ] {
        if name.trim().is_empty() {
            return Err(CaSetupError::EmptyName(label));
        }
    }
    let subject = |common_name: &str| CaSubject {
        organization: names.organization.clone(),
        common_name: common_name.to_owned(),
    };
    let root = RootCa::generate(&subject(&names.root_common_name), now.0)?;
    let ca = root.issue_issuing_ca(&subject(&names.common_name), now.0, store)?;
    Ok((root, ca))
}

/// `ca-import`: the bank's existing issuing CA (certificate and key, PEM)
/// and the certificates above it up to its root (none when it is its own
/// root).
pub async fn import(
    db: &Db,
    config: &Config,
    names: &CaNames,
    certificate_pem: &str,
    key_pem: &str,
    chain_pem: Option<&str>,
    now: Timestamp,
) -> Result<(), CaSetupError> {
    let passphrase = passphrase(config)?;
    if stored::load(db.pool()).await?.is_some() {
        return Err(CaSetupError::Exists);
    }
    // Certificate, key and chain checked before the key goes anywhere: a
    // refused import leaves nothing in the token.
    let checked = Ca::import(certificate_pem, key_pem, KeyStore::Software)?;
    let chain_pem = checked.check_chain(chain_pem, now.0)?;
    let ca = match key_store(config, &passphrase) {
        KeyStore::Software => checked,
        token => {
            drop(checked);
            Ca::import(certificate_pem, key_pem, token)?
        }
    };
    let above = Above {
        chain_pem,
        demo_tls: None,
        origin: Origin::Imported,
        demo: config.demo,
    };
    let stored = store(db, &ca, above, names, &passphrase, now).await;
    kept_or_discarded(db, ca, stored).await
}

/// The demo's HTTPS server certificate, signed by the demo root for
/// localhost, the loopback addresses and the configured HTTPS address.
fn demo_tls_certificate(
    root: &RootCa,
    config: &Config,
    now: Timestamp,
) -> Result<ServerCertificate, CaSetupError> {
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".into(), "::1".into()];
    if let Some(tls) = &config.tls {
        let host = tls.addr.ip().to_string();
        if !names.contains(&host) {
            names.push(host);
        }
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    root.as_ca()
        .issue_server_certificate(&names, now.0, DEMO_TLS_DAYS)
        .map_err(|e| CaSetupError::DemoTls(e.to_string()))
}

/// Opens the stored CA with this server's passphrase. In demo mode a demo
/// CA is created first when there is none (two instances starting at once
/// create one between them).
pub async fn open(db: &Db, config: &Config, now: Timestamp) -> Result<Pki, CaSetupError> {
    let passphrase = passphrase(config)?;
    if config.demo && stored::load(db.pool()).await?.is_none() {
        let names = CaNames {
            organization: DEMO_ORGANIZATION.into(),
            common_name: DEMO_CA_NAME.into(),
            root_common_name: DEMO_ROOT_NAME.into(),
            unit: DEMO_UNIT.into(),
        };
        let (root, ca) = two_tiers(&names, now, key_store(config, &passphrase))?;
        let server = demo_tls_certificate(&root, config, now)?;
        let above = Above {
            chain_pem: root.certificate_pem(),
            demo_tls: Some((
                kanri_pki::encode_pem("CERTIFICATE", &server.certificate_der),
                server.seal_key(&passphrase)?.as_pem().to_owned(),
            )),
            origin: Origin::Generated,
            demo: true,
        };
        let stored = store(db, &ca, above, &names, &passphrase, now).await;
        match kept_or_discarded(db, ca, stored).await {
            // Another instance made the demo CA first: open theirs.
            Ok(()) | Err(CaSetupError::Exists) => {}
            Err(err) => return Err(err),
        }
    }
    let row = stored::load(db.pool())
        .await?
        .ok_or(CaSetupError::Missing)?;
    same_mode(&row, config)?;
    let ca = open_key(&row.certificate_pem, &row.key, config, &passphrase)?;
    let mut previous = Vec::new();
    for issuer in stored::previous(db.pool()).await? {
        let key = open_key(&issuer.certificate_pem, &issuer.key, config, &passphrase)?;
        previous.push((issuer.generation, key));
    }
    let urls = PublicUrls::new(&config.public_url)
        .map_err(|_| CaSetupError::PublicUrl)?
        .of_generation(row.generation);
    let chain = match &row.chain_pem {
        Some(text) => {
            kanri_pki::decode_pem_certificates(text).map_err(|_| CaSetupError::ChainBroken)?
        }
        None => Vec::new(),
    };
    let demo_tls = match row.demo_tls {
        Some((certificate_pem, key_pem)) => {
            let der = kanri_pki::decode_pem_certificates(&certificate_pem)
                .ok()
                .and_then(|ders| ders.into_iter().next())
                .ok_or(CaSetupError::DemoTls("PEM".into()))?;
            Some(ServerCertificate::open(
                der,
                &SealedKey::from_pem(key_pem),
                &passphrase,
            )?)
        }
        None => None,
    };
    let mut pki = Pki::new(ca, row.client_o, row.client_ou, urls);
    pki.generation = row.generation;
    pki.previous = previous;
    pki.chain = chain;
    pki.demo_tls = demo_tls;
    Ok(pki)
}

/// A stored issuing CA with its key, wherever the key is.
fn open_key(
    certificate_pem: &str,
    key: &StoredKey,
    config: &Config,
    passphrase: &Passphrase,
) -> Result<Ca, CaSetupError> {
    Ok(match key {
        StoredKey::Sealed(pem) => Ca::unseal(
            certificate_pem,
            &SealedKey::from_pem(pem.clone()),
            passphrase,
        )?,
        StoredKey::InToken(label) => {
            let token = config
                .ca_token
                .as_ref()
                .ok_or(CaSetupError::TokenNotConfigured)?;
            Ca::open_in_token(certificate_pem, token, passphrase, label)?
        }
    })
}

/// `ca-reseal`: the same key sealed with a new passphrase (at least
/// [`MIN_PASSPHRASE_CHARS`]), opened with the configured one. Every
/// instance must then be given the new passphrase.
pub async fn reseal(
    db: &Db,
    config: &Config,
    new: &Passphrase,
    now: Timestamp,
) -> Result<(), CaSetupError> {
    strong_enough(new)?;
    let row = stored::load(db.pool())
        .await?
        .ok_or(CaSetupError::Missing)?;
    same_mode(&row, config)?;
    let old = configured_passphrase(config)?;
    let ca = open_key(&row.certificate_pem, &row.key, config, &old)?;
    let previous_issuers = stored::previous(db.pool()).await?;
    let mut tx = db.begin_write().await?;
    if let StoredKey::Sealed(previous) = &row.key {
        let resealed = ca.seal_key(new)?;
        if !stored::reseal(&mut tx, previous, resealed.as_pem()).await? {
            return Err(CaSetupError::ResealRaced);
        }
    }
    // The issuing CAs a rollover replaced are sealed with the same
    // passphrase: they change with it, or they would not open again.
    for issuer in &previous_issuers {
        if let StoredKey::Sealed(sealed) = &issuer.key {
            let key = open_key(&issuer.certificate_pem, &issuer.key, config, &old)?;
            let resealed = key.seal_key(new)?;
            if !stored::reseal_previous(&mut tx, issuer.generation, sealed, resealed.as_pem())
                .await?
            {
                return Err(CaSetupError::ResealRaced);
            }
        }
    }
    let entry = AuditEntry::new(
        now,
        Actor::BankOperator,
        None,
        AuditAction::CaReseal,
        &ClientInfo::default(),
    )
    .target(ca.subject());
    audit_log::insert_tx(&mut tx, &entry).await?;
    // With the key in a token it stays where it is and the token's PIN
    // changes: last, once everything else is written, just before commit.
    if let StoredKey::InToken(_) = &row.key {
        let token = config
            .ca_token
            .as_ref()
            .ok_or(CaSetupError::TokenNotConfigured)?;
        kanri_pki::change_token_pin(token, &old, new).map_err(CaSetupError::Token)?;
    }
    tx.commit().await?;
    Ok(())
}

/// `ca-rollover`: a new issuing CA, named `common_name`, certified by the
/// CA directly above the current one (the root `ca-init` made) with the
/// key the bank brings back from offline (`parent_key`, sealed under
/// `parent_passphrase`). Its key is made where the configuration says, as
/// for `ca-init` (the token, or sealed with the passphrase that also opens
/// the current key). It issues every certificate
/// from now on; the current one moves to the previous issuing CAs, whose
/// certificates keep logging in, renewing and being revoked until they
/// expire. The parent's key is used for this one signature and dropped.
/// Every instance opens the new CA at its next start. Returns the new
/// CA's subject.
pub async fn rollover(
    db: &Db,
    config: &Config,
    common_name: &str,
    parent_key: &SealedKey,
    parent_passphrase: &Passphrase,
    now: Timestamp,
) -> Result<String, CaSetupError> {
    let passphrase = passphrase(config)?;
    let common_name = common_name.trim();
    if common_name.is_empty() {
        return Err(CaSetupError::EmptyName("CN"));
    }
    let row = stored::load(db.pool())
        .await?
        .ok_or(CaSetupError::Missing)?;
    same_mode(&row, config)?;
    // The current key opens with this passphrase: the new one is sealed
    // with the same, so that every instance opens both.
    open_key(&row.certificate_pem, &row.key, config, &passphrase)?;
    let chain = row.chain_pem.clone().unwrap_or_default();
    if chain.trim().is_empty() {
        return Err(CaSetupError::RolloverWithoutRoot);
    }
    let above =
        kanri_pki::decode_pem_certificates(&chain).map_err(|_| CaSetupError::ChainBroken)?;
    // Every CA's name so far, current, previous and above: OpenSSL and
    // nginx find an issuer by name (compared without case or spacing), so
    // a new CA of an old name would be taken for the old one.
    let mut issuing = vec![row.certificate_pem.clone()];
    for issuer in stored::previous(db.pool()).await? {
        issuing.push(issuer.certificate_pem);
    }
    let mut names = above.clone();
    for pem in &issuing {
        names.extend(
            kanri_pki::decode_pem_certificates(pem).map_err(|_| CaSetupError::ChainBroken)?,
        );
    }
    let comparable = |name: &str| {
        name.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    for der in &names {
        if comparable(&kanri_pki::common_name_of(der)?) == comparable(common_name) {
            return Err(CaSetupError::RolloverSameName);
        }
    }
    let parent_pem = kanri_pki::encode_pem("CERTIFICATE", &above[0]);
    let parent =
        RootCa::unseal(&parent_pem, parent_key, parent_passphrase).map_err(|err| match err {
            CaError::KeyMismatch => CaSetupError::RootKeyForeign,
            CaError::WrongPassphrase => CaSetupError::RootPassphraseWrong,
            other => other.into(),
        })?;
    let subject = CaSubject {
        organization: row.client_o.clone(),
        common_name: common_name.to_owned(),
    };
    // From here on the new key exists (in the token, perhaps): whatever
    // fails takes it out again (kept_or_discarded).
    let ca = parent.issue_issuing_ca(&subject, now.0, key_store(config, &passphrase))?;
    drop(parent);
    let stored = store_rollover(db, &row, &ca, &chain, &passphrase, now).await;
    let subject = ca.subject().to_owned();
    kept_or_discarded(db, ca, stored).await?;
    Ok(subject)
}

async fn store_rollover(
    db: &Db,
    row: &StoredCa,
    ca: &Ca,
    chain_pem: &str,
    passphrase: &Passphrase,
    now: Timestamp,
) -> Result<bool, CaSetupError> {
    let next = StoredIssuer {
        generation: row.generation + 1,
        certificate_pem: ca.certificate_pem(),
        key: stored_key(ca, passphrase)?,
    };
    let mut tx = db.begin_write().await?;
    // Not committed when it says no: the transaction rolls back.
    if !stored::roll_over(&mut tx, row, &next, chain_pem, now).await? {
        return Err(CaSetupError::RolloverRaced);
    }
    let entry = AuditEntry::new(
        now,
        Actor::BankOperator,
        None,
        AuditAction::CaRollover,
        &ClientInfo::default(),
    )
    .target(ca.subject());
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(true)
}
