//! Domain types and rules, shared by the server and the browser: parsing
//! happens at the edge, so everything past a constructor is known to be
//! valid, and every business rule is a pure function here with its tests.

pub mod audit;
#[cfg(feature = "ssr")]
pub mod audit_chain;
pub mod certificate;
pub mod history;
pub mod issuance_code;
pub mod login_id;
pub mod overview;
pub mod paging;
pub mod refusal;
pub mod register;
pub mod revocation;
pub mod role;
pub mod secret;
pub mod session;
pub mod suspension;
pub mod time;
pub mod user;

pub use audit::{Actor, AuditAction, AuditOutcome};
pub use certificate::{
    CertificateRecord, CertificateSerial, CertificateState, CertificateStatus, NoticeWindow,
    RevocationReason,
};
pub use issuance_code::{IssuanceCode, ProofNeeded, Token};
pub use login_id::{LoginId, TypedLoginId};
pub use paging::Page;
pub use refusal::{
    AdminRefusal, CertificateRefusal, IssueRefusal, LoginRefusal, OtpRefusal, Refusal,
    RevokeRefusal,
};
pub use role::Role;
pub use time::{format_jst, Timestamp};
pub use user::{PasswordKind, MAX_PASSWORD_FAILURES};
