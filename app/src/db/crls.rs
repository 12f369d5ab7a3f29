//! The CRLs kanri signs and the counter that says when one is stale.

use super::{decode_error, Backend, Db, Tx};
use crate::domain::{CertificateSerial, RevocationReason, Timestamp};
use sqlx::{AnyPool, Row};

/// A signed CRL as stored.
#[derive(Clone, Debug)]
pub struct StoredCrl {
    /// The issuing CA that signed it: each has its own CRL.
    pub issuer_generation: i64,
    /// Increasing across every issuer's CRLs.
    pub number: i64,
    /// The revocation counter it covers.
    pub revocations: i64,
    pub this_update: Timestamp,
    pub next_update: Timestamp,
    pub der: Vec<u8>,
}

/// The revocations committed so far (bumped by a trigger in every
/// revoking transaction; see migration 20261201000001).
pub async fn revocations(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT revocations FROM crl_counter WHERE id = 1")
        .fetch_one(pool)
        .await?
        .try_get("revocations")
}

/// The newest CRL's number, without reading the CRL (at 100,000 entries it
/// is megabytes).
pub async fn latest_number(pool: &AnyPool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query("SELECT MAX(number) AS number FROM crls")
        .fetch_one(pool)
        .await?
        .try_get("number")
}

/// The newest CRL of the issuing CA of `issuer_generation`.
pub async fn latest(
    pool: &AnyPool,
    issuer_generation: i64,
) -> Result<Option<StoredCrl>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT number, revocations, this_update, next_update, der FROM crls \
         WHERE issuer_generation = $1 ORDER BY number DESC LIMIT 1",
    )
    .bind(issuer_generation)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        let time = |column: &str| -> Result<Timestamp, sqlx::Error> {
            Timestamp::from_db(&r.try_get::<String, _>(column)?).ok_or_else(|| decode_error(column))
        };
        Ok(StoredCrl {
            issuer_generation,
            number: r.try_get("number")?,
            revocations: r.try_get("revocations")?,
            this_update: time("this_update")?,
            next_update: time("next_update")?,
            der: r.try_get("der")?,
        })
    })
    .transpose()
}

/// Stores a CRL unless another instance stored this number first; keeps
/// its issuer's two newest. Returns whether this one was stored.
pub async fn insert(tx: &mut Tx, crl: &StoredCrl) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query(
        "INSERT INTO crls (number, issuer_generation, revocations, this_update, next_update, der) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (number) DO NOTHING",
    )
    .bind(crl.number)
    .bind(crl.issuer_generation)
    .bind(crl.revocations)
    .bind(crl.this_update.to_db())
    .bind(crl.next_update.to_db())
    .bind(crl.der.as_slice())
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    sqlx::query(
        "DELETE FROM crls WHERE issuer_generation = $1 AND number < \
         (SELECT MAX(number) FROM crls WHERE issuer_generation = $1 AND number < $2)",
    )
    .bind(crl.issuer_generation)
    .bind(crl.number)
    .execute(&mut **tx)
    .await?;
    Ok(stored)
}

/// One entry of the CRL, with what keeping it in memory needs: when it
/// leaves the CRL (its certificate's 有効期限) and its revocation's number.
#[derive(Clone, Debug)]
pub struct RevokedEntry {
    /// The issuing CA whose CRL lists it.
    pub issuer_generation: i64,
    pub serial: CertificateSerial,
    pub revoked_at: Timestamp,
    pub reason: RevocationReason,
    pub not_after: Timestamp,
    /// `revocation_seq`: the revocation's number in commit order (0 for
    /// revocations from before the numbers).
    pub seq: i64,
}

/// Every revoked certificate still within its validity at `now` whose
/// revocation's number is above `after` (all of them with `after` = -1).
///
/// Read as one aggregated text row, a line per entry, because the first
/// read of an instance is the whole CRL, 100,000 rows otherwise, and sqlx's
/// per-row hand-off is the cost at that size. Plain text rather than JSON
/// (as the user list): the columns are fixed-shape, so splitting lines is
/// all the parsing needed. The one backend-specific statement here: SQLite
/// and PostgreSQL name the aggregate differently.
pub async fn revoked_since(
    db: &Db,
    after: i64,
    now: Timestamp,
) -> Result<Vec<RevokedEntry>, sqlx::Error> {
    // A NULL column would make the whole line NULL and drop it silently; an
    // empty one instead fails to parse below, as a stored row that breaks
    // the schema's rules should.
    const LINE: &str = "serial || ' ' || COALESCE(revoked_at, '') || ' ' || \
                        COALESCE(revocation_reason, '') || ' ' || not_after || ' ' || revocation_seq || ' ' || \
                        issuer_generation";
    let aggregate = match db.backend() {
        Backend::Sqlite => format!("group_concat({LINE}, char(10))"),
        Backend::Postgres => format!("string_agg({LINE}, chr(10))"),
    };
    let sql = format!(
        "SELECT COALESCE({aggregate}, '') AS list FROM certificates \
         WHERE state = 'revoked' AND revocation_seq > $1 AND not_after > $2"
    );
    let list: String = sqlx::query(&sql)
        .bind(after)
        .bind(now.to_db())
        .fetch_one(db.pool())
        .await?
        .try_get("list")?;
    parse_entries(&list)
}

/// A certificate on hold (一時停止) and within its validity at `now`, as
/// its issuer's CRL lists it (certificateHold). Read whole every time: a
/// hold, unlike a revocation, leaves the CRL again at 再開, and holds are
/// few (an index keeps the read to them).
#[derive(Clone, Debug)]
pub struct HeldEntry {
    pub serial: CertificateSerial,
    pub held_at: Timestamp,
}

/// The certificates of the issuing CA of `issuer_generation` on hold at `now`.
pub async fn held(
    pool: &AnyPool,
    issuer_generation: i64,
    now: Timestamp,
) -> Result<Vec<HeldEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT serial, suspended_at FROM certificates \
         WHERE state = 'issued' AND suspended_at IS NOT NULL AND issuer_generation = $1 \
         AND not_after > $2",
    )
    .bind(issuer_generation)
    .bind(now.to_db())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let serial: String = r.try_get("serial")?;
            let held_at: String = r.try_get("suspended_at")?;
            Ok(HeldEntry {
                serial: CertificateSerial::parse(&serial).map_err(|_| decode_error("serial"))?,
                held_at: Timestamp::from_db(&held_at)
                    .ok_or_else(|| decode_error("suspended_at"))?,
            })
        })
        .collect()
}

/// The lines of [`revoked_since`]'s aggregate as entries.
fn parse_entries(list: &str) -> Result<Vec<RevokedEntry>, sqlx::Error> {
    let time = |field: Option<&str>, column| {
        field
            .and_then(Timestamp::from_db)
            .ok_or_else(|| decode_error(column))
    };
    list.split('\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut fields = line.split(' ');
            Ok(RevokedEntry {
                serial: fields
                    .next()
                    .and_then(|s| CertificateSerial::parse(s).ok())
                    .ok_or_else(|| decode_error("serial"))?,
                revoked_at: time(fields.next(), "revoked_at")?,
                reason: fields
                    .next()
                    .and_then(RevocationReason::from_db)
                    .unwrap_or(RevocationReason::Unspecified),
                not_after: time(fields.next(), "not_after")?,
                seq: fields
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| decode_error("revocation_seq"))?,
                issuer_generation: fields
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| decode_error("issuer_generation"))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_parsed_from_the_aggregate_and_a_broken_line_is_an_error() {
        let list = "0a0102030405060708090a0b0c0d0e0f 2026-11-25T04:21:00.000000Z keyCompromise 2027-11-25T04:21:00.000000Z 7 1\n\
                    7f0102030405060708090a0b0c0d0e0f 2026-11-26T00:00:00.123456Z  2027-01-01T00:00:00.000000Z 0 2";
        let entries = parse_entries(list).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].serial.as_str(),
            "0a0102030405060708090a0b0c0d0e0f"
        );
        assert_eq!(entries[0].reason, RevocationReason::KeyCompromise);
        assert_eq!(entries[0].revoked_at.to_db(), "2026-11-25T04:21:00.000000Z");
        assert_eq!(entries[0].not_after.to_db(), "2027-11-25T04:21:00.000000Z");
        assert_eq!(entries[0].seq, 7);
        assert_eq!(entries[0].issuer_generation, 1);
        assert_eq!(entries[1].issuer_generation, 2);
        // An empty reason reads as unspecified, as RFC 5280 does.
        assert_eq!(entries[1].reason, RevocationReason::Unspecified);
        assert_eq!(entries[1].seq, 0);
        assert!(parse_entries("").unwrap().is_empty());
        for broken in [
            "0a01 2026-11-25T04:21:00.000000Z keyCompromise 2027-11-25T04:21:00.000000Z 7 1",
            "0a0102030405060708090a0b0c0d0e0f  keyCompromise 2027-11-25T04:21:00.000000Z 7 1",
            "0a0102030405060708090a0b0c0d0e0f 2026-11-25T04:21:00.000000Z keyCompromise  7 1",
            "0a0102030405060708090a0b0c0d0e0f 2026-11-25T04:21:00.000000Z keyCompromise 2027-11-25T04:21:00.000000Z 1",
            "0a0102030405060708090a0b0c0d0e0f 2026-11-25T04:21:00.000000Z keyCompromise 2027-11-25T04:21:00.000000Z 7",
            "0a0102030405060708090a0b0c0d0e0f",
        ] {
            assert!(parse_entries(broken).is_err(), "{broken}");
        }
    }
}
