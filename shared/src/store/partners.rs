//! The partner API's records over any [`ItemTable`]: partners and their keys
//! ([`PartnerStore`]), and admission control with exact metering ([`Meter`]).
//!
//! Exactness comes from one rule: every change a request makes to a shared counter is in one
//! transaction with a conditional write of that request's own record
//! (`METER#<partner>#<request>`). Admission puts the record (`Absent`) together with adds to the
//! key's counter of the current second and the partner's day and month counters, each
//! conditioned to stay within its limit (`Below`); settlement moves the record
//! from version 1 to 2 (`VersionIs(1)`) together with the usage counter of its key, route and
//! day. A retried admission or settlement (a lost response, a Lambda retry) fails its record's
//! condition and changes nothing, so each admitted request is counted exactly once, and
//! concurrent requests never overspend a quota. A month is totalled by one `Query` of its
//! partition `USAGE#<partner>#<YYYY-MM>`.
//!
//! Users' consents to partners ([`ConsentStore`]) live here too: a look-up by the partner's
//! pseudonymous id and an entry in the user's partition, written and deleted together.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::doc::{decode, encode};
use super::keys;
use super::table::{
    Condition, Item, ItemTable, SortIndex, SortKeys, StoredItem, TransactError, Write,
};
use crate::domain::partner::{
    Billing, Consent, KeyHash, KeyRecord, LATENCY_BUCKETS, Partner, RollupRow, UsageRow,
    latency_bucket, latency_quantile, secs_to_next_day, secs_to_next_month, utc_day,
};
use crate::domain::{ApiKeyId, PartnerId, PartnerUserId, PublicUserId};
use crate::ports::{
    Admission, AdmissionOutcome, ConsentStore, Granted, Meter, PartnerStore, PartnerWriteError,
    RateWindow, StoreError,
};

/// How long an admission record is kept: longer than any retry of its request.
pub const ADMISSION_TTL_SECS: i64 = 2 * 24 * 60 * 60;
/// How long a key's per-second counter is kept (it is read only within its second).
const SECOND_TTL_SECS: i64 = 120;
/// Writes per transaction when deleting a partner's items (DynamoDB allows 100).
const DELETE_CHUNK: usize = 25;

/// Counter names: the quota counters' `n`, and the usage counters.
const QUOTA_USED: &str = "n";
const BILLED: &str = "billed";
const CLIENT_ERRORS: &str = "cerr";
const SERVER_ERRORS: &str = "serr";
/// Settled requests of a daily rollup.
const REQUESTS: &str = "req";
/// The daily rollup's latency histogram: one counter per bucket of `LATENCY_BOUNDS_MS`.
const LATENCY_COUNTERS: [&str; LATENCY_BUCKETS] = [
    "lat00", "lat01", "lat02", "lat03", "lat04", "lat05", "lat06", "lat07", "lat08", "lat09",
    "lat10", "lat11",
];

fn partner_item(partner: &Partner, version: i64) -> Result<Item, StoreError> {
    let pk = keys::partner_pk(&partner.id);
    let doc = encode(&pk, keys::PROFILE_SK, partner)?;
    Ok(Item {
        lpk: Some(keys::partners_lpk()),
        sort: SortKeys::one(
            SortIndex::ByName,
            keys::by_name(&partner.name, partner.id.as_str()),
        ),
        version: Some(version),
        ..Item::plain(pk, keys::PROFILE_SK, doc)
    })
}

/// The two items of a key: its entry under the partner and its look-up by hash.
fn key_items(record: &KeyRecord) -> Result<[Item; 2], StoreError> {
    let pk = keys::partner_pk(&record.partner_id);
    let sk = keys::partner_key_sk(&record.key_id);
    let entry = Item::plain(pk.clone(), sk.clone(), encode(&pk, &sk, record)?);
    let lookup_pk = keys::api_key_pk(&record.hash);
    let lookup = Item::plain(
        lookup_pk.clone(),
        keys::PROFILE_SK,
        encode(&lookup_pk, keys::PROFILE_SK, record)?,
    );
    Ok([entry, lookup])
}

impl<S: ItemTable> PartnerStore for S {
    #[instrument(skip_all, fields(partner = %partner.id))]
    async fn create_partner(&self, partner: &Partner) -> Result<(), PartnerWriteError> {
        let put = Write::Put {
            item: partner_item(partner, 1)?,
            condition: Condition::Absent,
        };
        match self.transact(vec![put]).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed { .. }) => {
                // A retry that meets its own committed write is a success.
                match self.get_partner(&partner.id).await? {
                    Some(stored) if stored == *partner => Ok(()),
                    _ => Err(PartnerWriteError::Conflict),
                }
            }
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    #[instrument(skip_all, fields(partner = %id))]
    async fn get_partner(&self, id: &PartnerId) -> Result<Option<Partner>, StoreError> {
        super::doc::profile(self, keys::partner_pk(id)).await
    }

    #[instrument(skip_all)]
    async fn list_partners(&self) -> Result<Vec<Partner>, StoreError> {
        let lpk = keys::partners_lpk();
        let mut partners = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .query_index(SortIndex::ByName, &lpk, after.as_ref(), 100)
                .await?;
            let full = page.len() == 100;
            for stored in &page {
                partners.push(decode(&lpk, keys::PROFILE_SK, &stored.doc)?);
            }
            after = page.last().map(|s| s.key.clone());
            if !full {
                return Ok(partners);
            }
        }
    }

    #[instrument(skip_all, fields(partner = %partner.id))]
    async fn update_partner(&self, partner: &Partner) -> Result<(), PartnerWriteError> {
        let pk = keys::partner_pk(&partner.id);
        let Some(stored) = self.get_item(&pk, keys::PROFILE_SK).await? else {
            return Err(PartnerWriteError::NotFound);
        };
        let version = stored.version.unwrap_or(0);
        let put = Write::Put {
            item: partner_item(partner, version + 1)?,
            condition: Condition::VersionIs(version),
        };
        match self.transact(vec![put]).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed { .. }) => Err(PartnerWriteError::Conflict),
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    #[instrument(skip_all, fields(partner = %id))]
    async fn delete_partner(&self, id: &PartnerId) -> Result<Vec<ApiKeyId>, PartnerWriteError> {
        let pk = keys::partner_pk(id);
        if self.get_item(&pk, keys::PROFILE_SK).await?.is_none() {
            return Err(PartnerWriteError::NotFound);
        }
        let records = self.keys(id).await?;
        let mut deletes = Vec::new();
        for record in &records {
            deletes.push((keys::api_key_pk(&record.hash), keys::PROFILE_SK.to_owned()));
            deletes.push((pk.clone(), keys::partner_key_sk(&record.key_id)));
        }
        // Keys first, the profile last: an interrupted deletion is finished by running it again.
        deletes.push((pk.clone(), keys::PROFILE_SK.to_owned()));
        for chunk in deletes.chunks(DELETE_CHUNK) {
            let writes = chunk
                .iter()
                .map(|(pk, sk)| Write::Delete {
                    pk: pk.clone(),
                    sk: sk.clone(),
                    condition: Condition::Always,
                })
                .collect();
            self.transact(writes)
                .await
                .map_err(|e| e.unconditional("delete_partner"))?;
        }
        Ok(records.into_iter().map(|r| r.key_id).collect())
    }

    #[instrument(skip_all, fields(partner = %key.partner_id, key = %key.key_id))]
    async fn add_key(
        &self,
        key: &KeyRecord,
        retire_others_at: Option<Timestamp>,
    ) -> Result<(), PartnerWriteError> {
        let pk = keys::partner_pk(&key.partner_id);
        let Some(profile) = self.get_item(&pk, keys::PROFILE_SK).await? else {
            return Err(PartnerWriteError::NotFound);
        };
        let mut writes = Vec::new();
        // The profile unchanged, conditioned on its version: the partner cannot be deleted or
        // changed between this read and the key's write.
        if let (Some(doc), Some(version)) = (profile.doc.clone(), profile.version) {
            let partner: Partner = decode(&pk, keys::PROFILE_SK, &doc)?;
            writes.push(Write::Put {
                item: partner_item(&partner, version)?,
                condition: Condition::VersionIs(version),
            });
        }
        let [entry, lookup] = key_items(key)?;
        writes.push(Write::Put {
            item: entry,
            condition: Condition::Absent,
        });
        writes.push(Write::Put {
            item: lookup,
            condition: Condition::Absent,
        });
        if let Some(at) = retire_others_at {
            for mut other in self.keys(&key.partner_id).await? {
                if other.key_id == key.key_id || !other.valid_at(at) {
                    continue;
                }
                other.valid_until = Some(other.valid_until.map_or(at, |u| u.min(at)));
                for item in key_items(&other)? {
                    writes.push(Write::Put {
                        item,
                        condition: Condition::Always,
                    });
                }
            }
        }
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed { .. }) => {
                // Our own key, committed on an earlier attempt, is a success.
                let stored = self.keys(&key.partner_id).await?;
                if stored
                    .iter()
                    .any(|k| k.key_id == key.key_id && k.hash == key.hash)
                {
                    Ok(())
                } else {
                    Err(PartnerWriteError::Conflict)
                }
            }
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    #[instrument(skip_all, fields(partner = %partner, key = %key))]
    async fn revoke_key(
        &self,
        partner: &PartnerId,
        key: &ApiKeyId,
        at: Timestamp,
    ) -> Result<(), PartnerWriteError> {
        let pk = keys::partner_pk(partner);
        let sk = keys::partner_key_sk(key);
        let Some(doc) = self.get_doc(&pk, &sk).await? else {
            return Err(PartnerWriteError::NotFound);
        };
        let mut record: KeyRecord = decode(&pk, &sk, &doc)?;
        record.valid_until = Some(record.valid_until.map_or(at, |u| u.min(at)));
        let writes = key_items(&record)?
            .into_iter()
            .map(|item| Write::Put {
                item,
                condition: Condition::Always,
            })
            .collect();
        self.transact(writes)
            .await
            .map_err(|e| e.unconditional("revoke_key"))?;
        Ok(())
    }

    #[instrument(skip_all, fields(partner = %partner))]
    async fn keys(&self, partner: &PartnerId) -> Result<Vec<KeyRecord>, StoreError> {
        let pk = keys::partner_pk(partner);
        self.query_prefix(&pk, keys::PARTNER_KEY_PREFIX)
            .await?
            .into_iter()
            .filter_map(|item| item.doc.map(|doc| (item.sk, doc)))
            .map(|(sk, doc)| decode(&pk, &sk, &doc))
            .collect()
    }

    #[instrument(skip_all)]
    async fn find_key(&self, hash: &KeyHash) -> Result<Option<(KeyRecord, Partner)>, StoreError> {
        let pk = keys::api_key_pk(hash);
        let Some(doc) = self.get_doc(&pk, keys::PROFILE_SK).await? else {
            return Ok(None);
        };
        let record: KeyRecord = decode(&pk, keys::PROFILE_SK, &doc)?;
        // A look-up left behind by an interrupted deletion names a partner that is gone.
        Ok(self
            .get_partner(&record.partner_id)
            .await?
            .map(|partner| (record, partner)))
    }
}

/// What an admission record holds: where its request is counted, and how it ended.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdmissionRecord {
    day: Date,
    key_id: ApiKeyId,
    route: String,
    /// Whether a unit of the daily / monthly quota was spent (given back on a 5xx).
    day_quota: bool,
    month_quota: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settled: Option<Billing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
}

fn quota_window(
    name: &'static str,
    quota: u64,
    window_secs: u64,
    used: u64,
    reset: u64,
) -> RateWindow {
    RateWindow {
        name,
        quota,
        window_secs,
        remaining: quota.saturating_sub(used),
        reset_secs: reset,
    }
}

fn used(item: Option<&StoredItem>) -> u64 {
    item.map_or(0, |i| u64::try_from(i.counter(QUOTA_USED)).unwrap_or(0))
}

fn limit_i64(limit: u64) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl<S: ItemTable> Meter for S {
    #[instrument(skip_all, fields(partner = %a.partner, key = %a.key, route = a.route))]
    async fn admit(&self, a: &Admission<'_>) -> Result<AdmissionOutcome, StoreError> {
        let day = utc_day(a.now);
        let second = a.now.as_second();
        let usage_pk = keys::usage_pk(a.partner, day);
        let day_sk = keys::day_quota_sk(day);
        let (second_pk, second_sk) = keys::partner_second_key(a.key, second);
        let record_pk = keys::admission_pk(a.partner, a.request_id);
        let next_second = u64::try_from(1_000 - a.now.as_millisecond().rem_euclid(1_000))
            .unwrap_or(1_000)
            .div_ceil(1_000);
        let next_day = secs_to_next_day(a.now);
        let next_month = secs_to_next_month(a.now);
        let per_second = u64::from(a.limits.per_second.max(1));
        // Counters as they stand, for the headers and to refuse without writing. The writes
        // below are what enforce the limits: each adds only while its counter is below.
        let (second_used, day_used, month_used) = futures_util::future::try_join3(
            self.get_item(&second_pk, &second_sk),
            async {
                match a.limits.per_day {
                    Some(_) => self.get_item(&usage_pk, &day_sk).await,
                    None => Ok(None),
                }
            },
            async {
                match a.limits.per_month {
                    Some(_) => self.get_item(&usage_pk, keys::MONTH_QUOTA_SK).await,
                    None => Ok(None),
                }
            },
        )
        .await?;
        let used = [second_used, day_used, month_used].map(|item| used(item.as_ref()));
        let windows = |spent: u64| {
            let mut windows = vec![quota_window(
                "second",
                per_second,
                1,
                used[0] + spent,
                next_second,
            )];
            if let Some(q) = a.limits.per_day {
                windows.push(quota_window("day", q, 86_400, used[1] + spent, next_day));
            }
            if let Some(q) = a.limits.per_month {
                windows.push(quota_window(
                    "month",
                    q,
                    2_592_000,
                    used[2] + spent,
                    next_month,
                ));
            }
            windows
        };
        // The window that refused is spent, whatever the earlier read saw.
        let refuse = |name: &'static str, after: u64| {
            let mut windows = windows(0);
            for w in windows.iter_mut().filter(|w| w.name == name) {
                w.remaining = 0;
            }
            AdmissionOutcome {
                admitted: false,
                windows,
                refused_by: Some((name, after)),
            }
        };
        if used[0] >= per_second {
            return Ok(refuse("second", next_second));
        }
        if a.limits.per_day.is_some_and(|q| used[1] >= q) {
            return Ok(refuse("day", next_day));
        }
        if a.limits.per_month.is_some_and(|q| used[2] >= q) {
            return Ok(refuse("month", next_month));
        }
        let record = AdmissionRecord {
            day,
            key_id: a.key.clone(),
            route: a.route.to_owned(),
            day_quota: a.limits.per_day.is_some(),
            month_quota: a.limits.per_month.is_some(),
            settled: None,
            status: None,
        };
        let mut writes = vec![
            Write::Put {
                item: Item {
                    version: Some(1),
                    expires_at: Some(second + ADMISSION_TTL_SECS),
                    ..Item::plain(
                        record_pk.clone(),
                        keys::PROFILE_SK,
                        encode(&record_pk, keys::PROFILE_SK, &record)?,
                    )
                },
                condition: Condition::Absent,
            },
            Write::Add {
                pk: second_pk,
                sk: second_sk,
                deltas: vec![(QUOTA_USED, 1)],
                expires_at: Some(second + SECOND_TTL_SECS),
                condition: Condition::Below {
                    name: QUOTA_USED,
                    limit: limit_i64(per_second),
                },
            },
        ];
        // Which window each write after the first enforces.
        let mut enforced = vec!["second"];
        if let Some(q) = a.limits.per_day {
            enforced.push("day");
            writes.push(Write::Add {
                pk: usage_pk.clone(),
                sk: day_sk,
                deltas: vec![(QUOTA_USED, 1)],
                expires_at: None,
                condition: Condition::Below {
                    name: QUOTA_USED,
                    limit: limit_i64(q),
                },
            });
        }
        if let Some(q) = a.limits.per_month {
            enforced.push("month");
            writes.push(Write::Add {
                pk: usage_pk,
                sk: keys::MONTH_QUOTA_SK.to_owned(),
                deltas: vec![(QUOTA_USED, 1)],
                expires_at: None,
                condition: Condition::Below {
                    name: QUOTA_USED,
                    limit: limit_i64(q),
                },
            });
        }
        match self.transact(writes).await {
            Ok(()) => Ok(AdmissionOutcome {
                admitted: true,
                windows: windows(1),
                refused_by: None,
            }),
            // The request's own record exists: it was admitted before (a retry). Nothing more
            // is spent.
            Err(TransactError::ConditionFailed { index: 0 }) => Ok(AdmissionOutcome {
                admitted: true,
                windows: windows(0),
                refused_by: None,
            }),
            // Concurrent requests spent the last units of a window meanwhile.
            Err(TransactError::ConditionFailed { index }) => {
                let name = enforced.get(index - 1).copied().unwrap_or("second");
                let after = match name {
                    "day" => next_day,
                    "month" => next_month,
                    _ => next_second,
                };
                Ok(refuse(name, after))
            }
            Err(TransactError::Store(e)) => Err(e),
        }
    }

    #[instrument(skip_all, fields(partner = %partner, status))]
    async fn settle(
        &self,
        partner: &PartnerId,
        request_id: &str,
        status: u16,
    ) -> Result<(), StoreError> {
        self.settle_timed(partner, request_id, status, None).await
    }

    #[instrument(skip_all, fields(partner = %partner, status))]
    async fn settle_timed(
        &self,
        partner: &PartnerId,
        request_id: &str,
        status: u16,
        latency_ms: Option<u64>,
    ) -> Result<(), StoreError> {
        let pk = keys::admission_pk(partner, request_id);
        let Some(stored) = self.get_item(&pk, keys::PROFILE_SK).await? else {
            tracing::warn!("settling a request that was never admitted (or expired)");
            return Ok(());
        };
        let Some(doc) = stored.doc.as_deref() else {
            return Ok(());
        };
        let mut record: AdmissionRecord = decode(&pk, keys::PROFILE_SK, doc)?;
        if record.settled.is_some() || stored.version != Some(1) {
            return Ok(());
        }
        let billing = Billing::of_status(status);
        record.settled = Some(billing);
        record.status = Some(status);
        let usage_pk = keys::usage_pk(partner, record.day);
        let mut deltas = Vec::new();
        match billing {
            Billing::Billed => {
                deltas.push((BILLED, 1));
                if status >= 400 {
                    deltas.push((CLIENT_ERRORS, 1));
                }
            }
            Billing::NotBilled => deltas.push((SERVER_ERRORS, 1)),
        }
        let mut writes = vec![
            Write::Put {
                item: Item {
                    version: Some(2),
                    expires_at: stored.expires_at,
                    ..Item::plain(
                        pk.clone(),
                        keys::PROFILE_SK,
                        encode(&pk, keys::PROFILE_SK, &record)?,
                    )
                },
                condition: Condition::VersionIs(1),
            },
            Write::Add {
                pk: usage_pk.clone(),
                sk: keys::usage_sk(record.day, &record.key_id, &record.route),
                deltas,
                expires_at: None,
                condition: Condition::Always,
            },
        ];
        // The daily rollup of the route (all keys), in the same transaction: counted once too.
        let mut rollup = vec![(REQUESTS, 1)];
        if (400..500).contains(&status) {
            rollup.push((CLIENT_ERRORS, 1));
        }
        if status >= 500 {
            rollup.push((SERVER_ERRORS, 1));
        }
        if let Some(ms) = latency_ms {
            rollup.push((LATENCY_COUNTERS[latency_bucket(ms)], 1));
        }
        writes.push(Write::Add {
            pk: usage_pk.clone(),
            sk: keys::rollup_sk(record.day, &record.route),
            deltas: rollup,
            expires_at: None,
            condition: Condition::Always,
        });
        if billing == Billing::NotBilled {
            // Our failure: the request gives its quota units back.
            let mut refund = |sk: String| {
                writes.push(Write::Add {
                    pk: usage_pk.clone(),
                    sk,
                    deltas: vec![(QUOTA_USED, -1)],
                    expires_at: None,
                    condition: Condition::Always,
                });
            };
            if record.day_quota {
                refund(keys::day_quota_sk(record.day));
            }
            if record.month_quota {
                refund(keys::MONTH_QUOTA_SK.to_owned());
            }
        }
        match self.transact(writes).await {
            // Index 0 failing means this request was settled meanwhile (a retry): done.
            Ok(()) | Err(TransactError::ConditionFailed { index: 0 }) => Ok(()),
            Err(e) => Err(e.unconditional("partner_settle")),
        }
    }

    #[instrument(skip_all, fields(partner = %partner))]
    async fn rollup(
        &self,
        partner: &PartnerId,
        from: Date,
        to: Date,
    ) -> Result<Vec<RollupRow>, StoreError> {
        let mut rows = Vec::new();
        let mut month = from.first_of_month();
        while month <= to {
            let pk = keys::usage_pk(partner, month);
            for item in self.query_prefix(&pk, keys::ROLLUP_DAY_PREFIX).await? {
                let Some((dd, route)) = keys::parse_rollup_sk(&item.sk) else {
                    continue;
                };
                let Ok(day) = Date::new(month.year(), month.month(), dd) else {
                    continue;
                };
                if day < from || day > to {
                    continue;
                }
                let count = |name| u64::try_from(item.counter(name)).unwrap_or(0);
                let histogram = LATENCY_COUNTERS.map(count);
                rows.push(RollupRow {
                    day,
                    route,
                    requests: count(REQUESTS),
                    client_errors: count(CLIENT_ERRORS),
                    server_errors: count(SERVER_ERRORS),
                    latency_p50_ms: latency_quantile(&histogram, 0.50),
                    latency_p95_ms: latency_quantile(&histogram, 0.95),
                    latency_p99_ms: latency_quantile(&histogram, 0.99),
                });
            }
            let Ok(next) = month.checked_add(jiff::Span::new().months(1)) else {
                break;
            };
            month = next;
        }
        rows.sort_by(|a, b| (a.day, a.route.as_str()).cmp(&(b.day, b.route.as_str())));
        Ok(rows)
    }

    #[instrument(skip_all, fields(partner = %partner))]
    async fn usage(
        &self,
        partner: &PartnerId,
        from: Date,
        to: Date,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let mut rows = Vec::new();
        let mut month = from.first_of_month();
        while month <= to {
            let pk = keys::usage_pk(partner, month);
            for item in self.query_prefix(&pk, keys::USAGE_DAY_PREFIX).await? {
                let Some((dd, key_id, route)) = keys::parse_usage_sk(&item.sk) else {
                    continue;
                };
                let Ok(day) = Date::new(month.year(), month.month(), dd) else {
                    continue;
                };
                if day < from || day > to {
                    continue;
                }
                let count = |name| u64::try_from(item.counter(name)).unwrap_or(0);
                rows.push(UsageRow {
                    day,
                    key_id,
                    route,
                    billed: count(BILLED),
                    client_errors: count(CLIENT_ERRORS),
                    server_errors: count(SERVER_ERRORS),
                });
            }
            let Ok(next) = month.checked_add(jiff::Span::new().months(1)) else {
                break;
            };
            month = next;
        }
        rows.sort_by(|a, b| {
            (a.day, a.key_id.as_str(), a.route.as_str()).cmp(&(
                b.day,
                b.key_id.as_str(),
                b.route.as_str(),
            ))
        });
        Ok(rows)
    }
}

/// The two items of a consent: the look-up by the partner's pseudonym, and the entry in the
/// user's partition (what the user lists and withdraws).
fn consent_items(consent: &Consent) -> Result<[Item; 2], StoreError> {
    let pk = keys::consent_pk(&consent.partner_id, &consent.partner_user_id);
    let lookup = Item::plain(
        pk.clone(),
        keys::PROFILE_SK,
        encode(&pk, keys::PROFILE_SK, consent)?,
    );
    let user_pk = keys::user_pk(&consent.user_id);
    let sk = keys::user_consent_sk(&consent.partner_id);
    let entry = Item::plain(user_pk.clone(), sk.clone(), encode(&user_pk, &sk, consent)?);
    Ok([lookup, entry])
}

impl<S: ItemTable> ConsentStore for S {
    #[instrument(skip_all, fields(partner = %consent.partner_id, user = %consent.user_id))]
    async fn grant_consent(&self, consent: &Consent) -> Result<Granted, PartnerWriteError> {
        if self.get_partner(&consent.partner_id).await?.is_none() {
            return Err(PartnerWriteError::NotFound);
        }
        let writes = consent_items(consent)?
            .into_iter()
            .map(|item| Write::Put {
                item,
                condition: Condition::Absent,
            })
            .collect();
        match self.transact(writes).await {
            Ok(()) => Ok(Granted {
                consent: consent.clone(),
                created: true,
            }),
            // Granted before: the first grant stands.
            Err(TransactError::ConditionFailed { .. }) => {
                let user_pk = keys::user_pk(&consent.user_id);
                let sk = keys::user_consent_sk(&consent.partner_id);
                match self.get_doc(&user_pk, &sk).await? {
                    Some(doc) => Ok(Granted {
                        consent: decode(&user_pk, &sk, &doc)?,
                        created: false,
                    }),
                    None => Err(PartnerWriteError::Conflict),
                }
            }
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    #[instrument(skip_all, fields(partner = %partner, user = %user))]
    async fn withdraw_consent(
        &self,
        user: &PublicUserId,
        partner: &PartnerId,
    ) -> Result<bool, StoreError> {
        let user_pk = keys::user_pk(user);
        let sk = keys::user_consent_sk(partner);
        let Some(doc) = self.get_doc(&user_pk, &sk).await? else {
            return Ok(false);
        };
        let consent: Consent = decode(&user_pk, &sk, &doc)?;
        // The look-up first in the same transaction: once it is gone, the partner sees nothing.
        let writes = vec![
            Write::Delete {
                pk: keys::consent_pk(partner, &consent.partner_user_id),
                sk: keys::PROFILE_SK.to_owned(),
                condition: Condition::Always,
            },
            Write::Delete {
                pk: user_pk,
                sk,
                condition: Condition::Always,
            },
        ];
        self.transact(writes)
            .await
            .map_err(|e| e.unconditional("withdraw_consent"))?;
        Ok(true)
    }

    #[instrument(skip_all, fields(partner = %partner))]
    async fn consent_of(
        &self,
        partner: &PartnerId,
        user: &PartnerUserId,
    ) -> Result<Option<Consent>, StoreError> {
        let pk = keys::consent_pk(partner, user);
        match self.get_doc(&pk, keys::PROFILE_SK).await? {
            Some(doc) => decode(&pk, keys::PROFILE_SK, &doc).map(Some),
            None => Ok(None),
        }
    }

    #[instrument(skip_all, fields(user = %user))]
    async fn consents(&self, user: &PublicUserId) -> Result<Vec<Consent>, StoreError> {
        let pk = keys::user_pk(user);
        self.query_prefix(&pk, keys::USER_CONSENT_PREFIX)
            .await?
            .into_iter()
            .filter_map(|item| item.doc.map(|doc| (item.sk, doc)))
            .map(|(sk, doc)| decode(&pk, &sk, &doc))
            .collect()
    }
}
