//! kanri's issuing CA (SPEC 7.1): created (`ca-init`) or imported
//! (`ca-import`) by the bank, stored once in the database with its key
//! sealed by a passphrase, and opened by every instance at start.

use crate::db::certificate_authority::{self as stored, Origin, StoredCa};
use crate::db::{audit_log, Db};
use crate::domain::audit::{AuditEntry, ClientInfo};
use crate::domain::{Actor, AuditAction, Timestamp};
use crate::infra::config::{Config, DEMO_CA_PASSPHRASE};
use crate::infra::pki::Pki;
use kanri_pki::{Ca, CaError, CaSubject, Passphrase, PublicUrls, SealedKey};

/// The demo CA's names (SPEC section 6): O / OU of the demo certificates.
pub const DEMO_ORGANIZATION: &str = "(9999)KENSHINYO DEMO";
pub const DEMO_UNIT: &str = "(9999)KANRI DEMO CA";
const DEMO_CA_NAME: &str = "KANRI DEMO CA";

/// What the bank names when it creates or imports a CA.
pub struct CaNames {
    /// O of the CA certificate and of every client certificate, `(9999)<bank>`.
    pub organization: String,
    /// CN of the CA certificate.
    pub common_name: String,
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
    #[error("認証局の鍵は同時に別の操作で変更されました。もう一度実行してください")]
    ResealRaced,
    #[error("KANRI_PUBLIC_URL が正しくありません（例: https://kanri.example.jp）")]
    PublicUrl,
    #[error("{0}は空にできません")]
    EmptyName(&'static str),
    #[error("認証局: {0}")]
    Pki(CaError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl From<CaError> for CaSetupError {
    fn from(err: CaError) -> Self {
        match err {
            CaError::WrongPassphrase => CaSetupError::WrongPassphrase,
            CaError::EmptyPassphrase => CaSetupError::NoPassphrase,
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

async fn store(
    db: &Db,
    ca: &Ca,
    names: &CaNames,
    passphrase: &Passphrase,
    origin: Origin,
    demo: bool,
    now: Timestamp,
) -> Result<bool, CaSetupError> {
    for (label, name) in [("O", &names.organization), ("OU", &names.unit)] {
        if name.trim().is_empty() {
            return Err(CaSetupError::EmptyName(label));
        }
    }
    let row = StoredCa {
        certificate_pem: ca.certificate_pem(),
        sealed_key_pem: ca.seal_key(passphrase)?.as_pem().to_owned(),
        client_o: names.organization.clone(),
        client_ou: names.unit.clone(),
        demo,
    };
    let mut tx = db.begin_write().await?;
    let stored = stored::insert(&mut tx, &row, origin, now).await?;
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

/// `ca-init`: a new P-256 CA, self-signed for 10 years.
pub async fn create(
    db: &Db,
    config: &Config,
    names: &CaNames,
    now: Timestamp,
) -> Result<(), CaSetupError> {
    if names.common_name.trim().is_empty() {
        return Err(CaSetupError::EmptyName("CN"));
    }
    let subject = CaSubject {
        organization: names.organization.clone(),
        common_name: names.common_name.clone(),
    };
    let ca = Ca::generate(&subject, now.0)?;
    let demo = config.demo;
    if !store(
        db,
        &ca,
        names,
        &passphrase(config)?,
        Origin::Generated,
        demo,
        now,
    )
    .await?
    {
        return Err(CaSetupError::Exists);
    }
    Ok(())
}

/// `ca-import`: the bank's existing CA (certificate and key, PEM).
pub async fn import(
    db: &Db,
    config: &Config,
    names: &CaNames,
    certificate_pem: &str,
    key_pem: &str,
    now: Timestamp,
) -> Result<(), CaSetupError> {
    let ca = Ca::import(certificate_pem, key_pem)?;
    let demo = config.demo;
    if !store(
        db,
        &ca,
        names,
        &passphrase(config)?,
        Origin::Imported,
        demo,
        now,
    )
    .await?
    {
        return Err(CaSetupError::Exists);
    }
    Ok(())
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
            unit: DEMO_UNIT.into(),
        };
        let subject = CaSubject {
            organization: names.organization.clone(),
            common_name: names.common_name.clone(),
        };
        let ca = Ca::generate(&subject, now.0)?;
        store(db, &ca, &names, &passphrase, Origin::Generated, true, now).await?;
    }
    let row = stored::load(db.pool())
        .await?
        .ok_or(CaSetupError::Missing)?;
    same_mode(&row, config)?;
    let sealed = SealedKey::from_pem(row.sealed_key_pem);
    let ca = Ca::unseal(&row.certificate_pem, &sealed, &passphrase)?;
    let urls = PublicUrls::new(&config.public_url).map_err(|_| CaSetupError::PublicUrl)?;
    Ok(Pki::new(ca, row.client_o, row.client_ou, urls))
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
    let sealed = SealedKey::from_pem(row.sealed_key_pem.clone());
    let ca = Ca::unseal(
        &row.certificate_pem,
        &sealed,
        &configured_passphrase(config)?,
    )?;
    let resealed = ca.seal_key(new)?;
    let mut tx = db.begin_write().await?;
    if !stored::reseal(&mut tx, &row.sealed_key_pem, resealed.as_pem()).await? {
        return Err(CaSetupError::ResealRaced);
    }
    // The responder's key was sealed with the old passphrase: the next OCSP
    // answer makes a new responder under the new one.
    crate::db::ocsp_responders::delete_all(&mut tx).await?;
    let entry = AuditEntry::new(
        now,
        Actor::BankOperator,
        None,
        AuditAction::CaReseal,
        &ClientInfo::default(),
    )
    .target(ca.subject());
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}
