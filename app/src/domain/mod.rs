//! Domain types shared by the server and the browser: parsing happens at the
//! edge, so everything past a constructor is known to be valid.

pub mod certificate;
pub mod login_id;
pub mod role;
pub mod time;

pub use certificate::{CertificateSerial, CertificateState, CertificateStatus, EXPIRY_NOTICE_DAYS};
pub use login_id::LoginId;
pub use role::Role;
pub use time::{format_jst, Timestamp};
