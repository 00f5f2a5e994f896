//! The write guard's records, written once over [`ItemTable`]: idempotency records (one per
//! client key and scope) and per-user, per-action token buckets. Any table serves as both, so
//! every write function guards its writes the same way (see `crate::http::WriteGuard`).

use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::doc::encode;
use super::keys;
use super::table::{Condition, Item, ItemTable, TransactError, Write};
use crate::domain::{BucketPolicy, BucketState, PublicUserId, Quota, WriteAction};
use crate::ports::{Claim, IdempotencyStore, StoreError, StoredResponse, WriteLimiter};

/// How long a completed idempotency record replays its response (24 h).
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 60 * 60;
/// How long an in-progress claim blocks duplicates before it is considered abandoned; longer
/// than any function's timeout.
pub const IN_PROGRESS_TTL_SECS: i64 = 60;

/// What an idempotency record holds.
#[derive(Serialize, Deserialize)]
struct Record {
    hash: String,
    /// Who holds an in-progress claim: a token unique to one `claim` call, so a claim whose
    /// write committed but whose response was lost knows its own record on the retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claimant: Option<String>,
    response: Option<StoredResponse>,
}

impl<S: ItemTable> IdempotencyStore for S {
    #[instrument(skip_all)]
    async fn claim(&self, key: &str, payload_hash: &str, now: i64) -> Result<Claim, StoreError> {
        let pk = keys::idempotency_pk(key);
        let claimant = uuid::Uuid::new_v4().to_string();
        let record = Record {
            hash: payload_hash.to_owned(),
            claimant: Some(claimant.clone()),
            response: None,
        };
        let doc = encode(&pk, keys::PROFILE_SK, &record)?;
        let claim = Write::Put {
            item: Item {
                expires_at: Some(now + IN_PROGRESS_TTL_SECS),
                ..Item::plain(pk.clone(), keys::PROFILE_SK, doc)
            },
            condition: Condition::AbsentOrExpired { now },
        };
        match self.transact(vec![claim]).await {
            Ok(()) => return Ok(Claim::Acquired),
            Err(TransactError::Store(e)) => return Err(e),
            Err(TransactError::ConditionFailed { .. }) => {}
        }
        let Some(existing) = self.get_item(&pk, keys::PROFILE_SK).await? else {
            // Expired and removed between the two calls: the caller may retry.
            return Ok(Claim::InProgress);
        };
        let record: Option<Record> = existing
            .doc
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok());
        Ok(match record {
            Some(r) if r.hash != payload_hash => Claim::PayloadMismatch,
            // Our own claim: it committed, but its response was lost and the retry met it.
            Some(Record {
                claimant: Some(holder),
                response: None,
                ..
            }) if holder == claimant => Claim::Acquired,
            Some(Record {
                response: Some(response),
                ..
            }) => Claim::Replay(response),
            _ => Claim::InProgress,
        })
    }

    #[instrument(skip_all)]
    async fn complete(
        &self,
        key: &str,
        payload_hash: &str,
        response: &StoredResponse,
        now: i64,
    ) -> Result<(), StoreError> {
        let record = Record {
            hash: payload_hash.to_owned(),
            claimant: None,
            response: Some(response.clone()),
        };
        let pk = keys::idempotency_pk(key);
        let doc = encode(&pk, keys::PROFILE_SK, &record)?;
        let put = Write::Put {
            item: Item {
                expires_at: Some(now + IDEMPOTENCY_TTL_SECS),
                ..Item::plain(pk, keys::PROFILE_SK, doc)
            },
            condition: Condition::Always,
        };
        self.transact(vec![put])
            .await
            .map_err(|e| e.unconditional("idempotency_complete"))
    }

    #[instrument(skip_all)]
    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let delete = Write::Delete {
            pk: keys::idempotency_pk(key),
            sk: keys::PROFILE_SK.to_owned(),
            condition: Condition::Always,
        };
        self.transact(vec![delete])
            .await
            .map_err(|e| e.unconditional("idempotency_release"))
    }
}

/// A token bucket as stored: its state, and which `take_token` attempt wrote it (a token unique
/// to the attempt), so an attempt whose response was lost recognises its own write on the
/// retry instead of taking a second token. Buckets written before `writer` existed read fine.
#[derive(Serialize, Deserialize)]
struct StoredBucket {
    #[serde(flatten)]
    state: BucketState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    writer: Option<String>,
}

/// Attempts at a conditional bucket update before answering "busy": each failed attempt means
/// another request for the same user and action won a token meanwhile.
const BUCKET_ATTEMPTS: usize = 8;

impl<S: ItemTable> WriteLimiter for S {
    /// Read the bucket (strongly consistent), refill it, and write it back only if nobody else
    /// wrote it since (`Absent` for a new bucket, `VersionIs` otherwise); retry on a lost race.
    #[instrument(skip_all, fields(user = %user, action = %action))]
    async fn take_token(
        &self,
        user: &PublicUserId,
        action: WriteAction,
        policy: BucketPolicy,
        now_ms: i64,
    ) -> Result<Quota, StoreError> {
        let pk = keys::rate_pk(user);
        let sk = keys::bucket_sk(action);
        for _ in 0..BUCKET_ATTEMPTS {
            let stored = self.get_item(&pk, &sk).await?;
            let state: Option<BucketState> = stored
                .as_ref()
                .and_then(|item| item.doc.as_deref())
                .and_then(|doc| serde_json::from_str::<StoredBucket>(doc).ok())
                .map(|bucket| bucket.state);
            let (quota, next) = policy.take(action, state, now_ms);
            let Some(next) = next else {
                return Ok(quota);
            };
            let version = stored.as_ref().and_then(|item| item.version);
            let condition = match (&stored, version) {
                (None, _) => Condition::Absent,
                (Some(_), Some(v)) => Condition::VersionIs(v),
                // An item without a version (never written by this code): replace it once.
                (Some(_), None) => Condition::Always,
            };
            let writer = uuid::Uuid::new_v4().to_string();
            let doc = encode(
                &pk,
                &sk,
                &StoredBucket {
                    state: next,
                    writer: Some(writer.clone()),
                },
            )?;
            let put = Write::Put {
                item: Item {
                    version: Some(version.unwrap_or(0) + 1),
                    // A missing bucket is a full one, so the item may go once it is full.
                    expires_at: Some(policy.full_at_ms(next).div_euclid(1_000) + 60),
                    ..Item::plain(pk.clone(), sk.clone(), doc)
                },
                condition,
            };
            match self.transact(vec![put]).await {
                Ok(()) => return Ok(quota),
                Err(TransactError::ConditionFailed { .. }) => {
                    // Our own write, retried after its response was lost, meets itself: the
                    // token was taken. Anyone else's write means a lost race: read again.
                    let now_stored = self.get_item(&pk, &sk).await?;
                    let ours = now_stored
                        .as_ref()
                        .and_then(|item| item.doc.as_deref())
                        .and_then(|doc| serde_json::from_str::<StoredBucket>(doc).ok())
                        .is_some_and(|bucket| bucket.writer.as_deref() == Some(writer.as_str()));
                    if ours {
                        return Ok(quota);
                    }
                }
                Err(TransactError::Store(e)) => return Err(e),
            }
        }
        Err(StoreError::Throttled {
            operation: "take_token",
        })
    }
}
