//! tower-sessions store on kanri's own database (SQLite or PostgreSQL).
//!
//! Written here rather than taken from tower-sessions-sqlx-store because that
//! crate has one store per backend pool type, while kanri runs one `Any`
//! pool; and because the owner's user id is copied into its own column, so
//! that a revocation can end the target user's sessions.

use super::clock::Clock;
use crate::db::{sessions, Db};
use crate::domain::session::{SessionAuth, AUTH_KEY};
use crate::domain::Timestamp;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use tower_sessions::{ExpiredDeletion, SessionStore};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
    clock: Clock,
}

impl DbSessionStore {
    pub fn new(db: Db, clock: Clock) -> Self {
        Self { db, clock }
    }
}

impl DbSessionStore {
    /// tower-sessions computes a record's expiry from the system clock; it
    /// is stored as kanri's clock reads that time, so that loading (which
    /// compares with kanri's clock) agrees with it.
    fn expiry_of(&self, record: &Record) -> String {
        let t = record.expiry_date;
        let system = chrono::DateTime::from_timestamp(t.unix_timestamp(), t.microsecond() * 1000)
            .unwrap_or_default();
        self.clock.from_system(system).to_db()
    }
}

fn user_id_of(record: &Record) -> Option<i64> {
    let auth: SessionAuth = serde_json::from_value(record.data.get(AUTH_KEY)?.clone()).ok()?;
    Some(auth.user_id)
}

fn backend(err: impl std::fmt::Display) -> Error {
    Error::Backend(err.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let expires = self.expiry_of(record);
        // Ids are 128 random bits; on the unthinkable collision, draw again.
        loop {
            let inserted = sessions::insert_new(
                self.db.pool(),
                &record.id.to_string(),
                user_id_of(record),
                &data,
                &expires,
            )
            .await
            .map_err(backend)?;
            if inserted {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        sessions::update(
            self.db.pool(),
            &record.id.to_string(),
            user_id_of(record),
            &data,
            &self.expiry_of(record),
        )
        .await
        .map_err(backend)
    }

    async fn load(&self, session_id: &Id) -> Result<Option<Record>> {
        let now = self.clock.now().to_db();
        let Some((data, expires_at)) =
            sessions::load(self.db.pool(), &session_id.to_string(), &now)
                .await
                .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry = Timestamp::from_db(&expires_at)
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.0.timestamp()).ok())
            .ok_or_else(|| Error::Decode("bad expiry".into()))?;
        Ok(Some(Record {
            id: *session_id,
            data,
            expiry_date: expiry,
        }))
    }

    async fn delete(&self, session_id: &Id) -> Result<()> {
        sessions::delete(self.db.pool(), &session_id.to_string())
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        sessions::delete_expired(self.db.pool(), &self.clock.now().to_db())
            .await
            .map_err(backend)?;
        Ok(())
    }
}
