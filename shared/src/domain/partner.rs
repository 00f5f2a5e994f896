//! Partners of the partner API (`/partner/v1/…`): tiers and their limits and prices, API keys
//! (shown once, stored only as a hash, rotated with a grace period), and the billing rule.
//! Pure data and arithmetic; the store keeps partners, key records and usage counters
//! (`crate::store::partners`); the partner HTTP layer checks keys and answers 429s.
//!
//! The billing rule, in one place ([`Billing::of_status`]): a request is billed when it was
//! admitted (a valid key, within the per-second budget and the quotas) and did not fail through
//! our fault. Any status below 500 is billed, 4xx included: a 400 for a bad parameter or a 404
//! for an unknown café cost us a request's work and the partner can avoid them. A 5xx is never
//! billed and its quota unit is given back. Requests refused before admission (401, 403, 429)
//! are neither billed nor counted against a quota.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ApiKeyId, DomainError, ID_BODY_LEN, PartnerId};

/// A commercial tier: default limits and a price list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// 5 requests/s, 1,000 billable requests per UTC day, no charge.
    Free,
    /// 50 requests/s, 1,000,000 billable requests per calendar month (UTC).
    Standard,
    /// Limits agreed per partner (set with the tier); volume price.
    Enterprise,
}

impl Tier {
    /// Every tier, in price order.
    pub const ALL: [Tier; 3] = [Self::Free, Self::Standard, Self::Enterprise];

    /// The tier's name on the wire, in CSV reports and in ops commands.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Standard => "standard",
            Self::Enterprise => "enterprise",
        }
    }

    /// Parses a tier name.
    pub fn parse(raw: &str) -> Result<Self, PartnerError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| PartnerError::UnknownTier(raw.to_owned()))
    }

    /// The limits a partner of this tier gets unless others were agreed (enterprise starts
    /// from 200/s and 20,000,000 a month).
    pub fn default_limits(self) -> Limits {
        match self {
            Self::Free => Limits {
                per_second: 5,
                per_day: Some(1_000),
                per_month: None,
            },
            Self::Standard => Limits {
                per_second: 50,
                per_day: None,
                per_month: Some(1_000_000),
            },
            Self::Enterprise => Limits {
                per_second: 200,
                per_day: None,
                per_month: Some(20_000_000),
            },
        }
    }

    /// The tier's price list.
    pub fn price(self) -> Price {
        match self {
            Self::Free => Price {
                monthly_fee_cents: 0,
                included_calls: 0,
                cents_per_thousand: 0,
            },
            Self::Standard => Price {
                monthly_fee_cents: 4_900,
                included_calls: 100_000,
                cents_per_thousand: 40,
            },
            Self::Enterprise => Price {
                monthly_fee_cents: 50_000,
                included_calls: 2_000_000,
                cents_per_thousand: 25,
            },
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A price list: a monthly fee that includes some billable calls, then a price per thousand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Price {
    pub monthly_fee_cents: u64,
    pub included_calls: u64,
    pub cents_per_thousand: u64,
}

impl Price {
    /// What a month of `billed` calls costs, in cents: the fee, plus the calls beyond the
    /// included ones at the per-thousand price, rounded up to a whole cent.
    pub fn month_cents(self, billed: u64) -> u64 {
        let over = billed.saturating_sub(self.included_calls);
        self.monthly_fee_cents + (over * self.cents_per_thousand).div_ceil(1_000)
    }
}

/// A partner's limits: requests per second per key (a bucket of `per_second` tokens, refilled
/// at each second), and quotas of admitted requests per UTC day and per calendar month (UTC),
/// counted per partner (all its keys together, so a rotation's two keys share them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Requests per second per key, ≥ 1.
    pub per_second: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_day: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_month: Option<u64>,
}

/// Whether a partner may call the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartnerStatus {
    Active,
    /// Every key answers 403 `partner-suspended` until the partner is reactivated.
    Suspended,
}

/// A partner company.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
    pub tier: Tier,
    pub limits: Limits,
    pub status: PartnerStatus,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
}

/// Most characters in a partner's name.
pub const MAX_PARTNER_NAME_CHARS: usize = 100;

impl Partner {
    /// A new, active partner on `tier`'s default limits.
    pub fn new(
        id: PartnerId,
        name: &str,
        tier: Tier,
        created_at: Timestamp,
    ) -> Result<Self, PartnerError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_PARTNER_NAME_CHARS {
            return Err(PartnerError::Name);
        }
        Ok(Self {
            id,
            name: name.to_owned(),
            tier,
            limits: tier.default_limits(),
            status: PartnerStatus::Active,
            created_at,
        })
    }
}

/// Why partner data was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PartnerError {
    #[error("unknown tier {0:?} (expected free, standard or enterprise)")]
    UnknownTier(String),
    #[error("a partner name is 1 to {MAX_PARTNER_NAME_CHARS} characters")]
    Name,
    #[error("not an API key")]
    MalformedKey,
    #[error(transparent)]
    Id(#[from] DomainError),
}

const KEY_PREFIX: &str = "cbk_";
/// Random bytes in a key's secret part (256 bits).
const SECRET_BYTES: usize = 32;

/// An API key as the partner holds it: `cbk_<key id body>_<43 base64url characters>`. Shown
/// once when issued; we keep only its [`KeyHash`]. `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeySecret {
    raw: String,
    id: ApiKeyId,
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeySecret({}, …)", self.id)
    }
}

impl ApiKeySecret {
    /// A new key for key id `id`, with 256 random bits from `random` (the OS generator in
    /// production, fixed bytes in tests).
    pub fn new(id: ApiKeyId, random: [u8; SECRET_BYTES]) -> Self {
        let body = &id.as_str()[ApiKeyId::PREFIX.len() + 1..];
        let raw = format!("{KEY_PREFIX}{body}_{}", URL_SAFE_NO_PAD.encode(random));
        Self { raw, id }
    }

    /// A new key with a random id and secret (both from the OS generator through `uuid`).
    pub fn generate() -> Self {
        let a = uuid::Uuid::new_v4();
        let b = uuid::Uuid::new_v4();
        let mut random = [0u8; SECRET_BYTES];
        random[..16].copy_from_slice(a.as_bytes());
        random[16..].copy_from_slice(b.as_bytes());
        let id = ApiKeyId::from_entropy(uuid::Uuid::new_v4().as_u128());
        Self::new(id, random)
    }

    /// Parses what a client sent in `x-api-key`. Only the shape is checked here; whether the
    /// key exists is the store's answer to its hash.
    pub fn parse(raw: &str) -> Result<Self, PartnerError> {
        let rest = raw
            .strip_prefix(KEY_PREFIX)
            .ok_or(PartnerError::MalformedKey)?;
        let (body, secret) = rest.split_once('_').ok_or(PartnerError::MalformedKey)?;
        let id = ApiKeyId::parse(&format!("{}_{body}", ApiKeyId::PREFIX))
            .map_err(|_| PartnerError::MalformedKey)?;
        let decoded = URL_SAFE_NO_PAD
            .decode(secret)
            .map_err(|_| PartnerError::MalformedKey)?;
        if body.len() != ID_BODY_LEN || decoded.len() != SECRET_BYTES {
            return Err(PartnerError::MalformedKey);
        }
        Ok(Self {
            raw: raw.to_owned(),
            id,
        })
    }

    /// The key's public id (not secret).
    pub fn id(&self) -> &ApiKeyId {
        &self.id
    }

    /// The key itself: only for showing it once, and for registering it with API Gateway.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The hash we store and look keys up by. A plain SHA-256 suffices: the secret has 256
    /// random bits, so no dictionary or brute force can invert it (slow password hashes are
    /// for low-entropy secrets) and a lookup costs one `GetItem` by hash.
    pub fn hash(&self) -> KeyHash {
        KeyHash(hex::encode(Sha256::digest(self.raw.as_bytes())))
    }
}

/// The SHA-256 of an API key, lowercase hex: the only form in which keys are stored.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeyHash(String);

impl KeyHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A key as stored: whose it is, and until when it is valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRecord {
    pub key_id: ApiKeyId,
    pub partner_id: PartnerId,
    pub hash: KeyHash,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
    /// Set when the key was rotated out (the end of its grace period) or revoked (the revoking
    /// instant): the key is refused from then on.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::time::option_rfc3339_millis"
    )]
    pub valid_until: Option<Timestamp>,
}

impl KeyRecord {
    /// Whether the key may be used at `now`.
    pub fn valid_at(&self, now: Timestamp) -> bool {
        self.valid_until.is_none_or(|until| now < until)
    }
}

/// How a request that was admitted is billed ([`Billing::of_status`] is the rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Billing {
    /// Answered below 500 (2xx, 3xx, and 4xx caused by the request): billed once.
    Billed,
    /// Answered 5xx (our fault): not billed; its quota unit is given back.
    NotBilled,
}

impl Billing {
    /// The billing rule: every admitted request answered below 500 is billed; 5xx never.
    pub fn of_status(status: u16) -> Self {
        if status < 500 {
            Self::Billed
        } else {
            Self::NotBilled
        }
    }
}

/// A user's consent that one partner may receive recommendations from their in-app activity,
/// under the pseudonymous id only that partner knows them by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    pub partner_id: PartnerId,
    pub user_id: crate::domain::PublicUserId,
    pub partner_user_id: crate::domain::PartnerUserId,
    #[serde(with = "super::time::rfc3339_millis")]
    pub granted_at: Timestamp,
}

/// The UTC calendar day of `ts`.
pub fn utc_day(ts: Timestamp) -> Date {
    ts.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// Seconds from `now` to the next UTC midnight (≥ 1).
pub fn secs_to_next_day(now: Timestamp) -> u64 {
    let day = utc_day(now);
    let next = day
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok());
    next.map_or(86_400, |n| secs_between(now, n.timestamp()))
}

/// Seconds from `now` to the first instant of the next calendar month, UTC (≥ 1).
pub fn secs_to_next_month(now: Timestamp) -> u64 {
    let day = utc_day(now);
    let next = day
        .first_of_month()
        .checked_add(jiff::Span::new().months(1))
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok());
    next.map_or(31 * 86_400, |n| secs_between(now, n.timestamp()))
}

fn secs_between(from: Timestamp, to: Timestamp) -> u64 {
    let ms = to.as_millisecond() - from.as_millisecond();
    u64::try_from(ms.max(1)).unwrap_or(1).div_ceil(1_000)
}

/// One usage counter as reported: billable calls and outcomes of one key on one route on one
/// UTC day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRow {
    pub day: Date,
    pub key_id: ApiKeyId,
    pub route: String,
    /// Billed requests (the rule of [`Billing::of_status`]).
    pub billed: u64,
    /// Admitted requests answered 4xx (billed too; counted apart for the partner's insight).
    pub client_errors: u64,
    /// Admitted requests answered 5xx (not billed).
    pub server_errors: u64,
}

/// Upper bounds (milliseconds) of the latency histogram kept per partner, route and UTC day;
/// one more bucket holds every slower request.
pub const LATENCY_BOUNDS_MS: [u64; 11] =
    [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

/// Buckets of the latency histogram: one per bound, and the overflow.
pub const LATENCY_BUCKETS: usize = LATENCY_BOUNDS_MS.len() + 1;

/// The histogram bucket of a request that took `ms`.
pub fn latency_bucket(ms: u64) -> usize {
    LATENCY_BOUNDS_MS
        .iter()
        .position(|bound| ms <= *bound)
        .unwrap_or(LATENCY_BOUNDS_MS.len())
}

/// The `q`-quantile (0 < q ≤ 1) of a latency histogram, at bucket resolution: the upper bound
/// of the bucket holding the request of rank ⌈q·n⌉, so never below the true value (the overflow
/// bucket reports the last bound: "at least"). `None` without samples.
pub fn latency_quantile(counts: &[u64; LATENCY_BUCKETS], q: f64) -> Option<u64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    // Rank of the quantile's sample, 1-based (ceil(q * n), at least 1).
    let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
    let mut seen = 0;
    for (i, count) in counts.iter().enumerate() {
        seen += count;
        if seen >= rank {
            return Some(LATENCY_BOUNDS_MS[i.min(LATENCY_BOUNDS_MS.len() - 1)]);
        }
    }
    LATENCY_BOUNDS_MS.last().copied()
}

/// The daily rollup of one partner's route: settled requests, the 4xx and 5xx among them, and
/// latency percentiles from the fixed histogram ([`LATENCY_BOUNDS_MS`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollupRow {
    pub day: Date,
    pub route: String,
    /// Admitted requests settled on that day's route (billed or not).
    pub requests: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    /// Percentiles in milliseconds (bucket upper bounds); `null` when no latency was recorded.
    pub latency_p50_ms: Option<u64>,
    pub latency_p95_ms: Option<u64>,
    pub latency_p99_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn latency_quantiles_are_bucket_upper_bounds() {
        assert_eq!(latency_bucket(0), 0);
        assert_eq!(latency_bucket(5), 0);
        assert_eq!(latency_bucket(6), 1);
        assert_eq!(latency_bucket(10_000), 10);
        assert_eq!(latency_bucket(10_001), 11);
        let mut counts = [0; LATENCY_BUCKETS];
        assert_eq!(latency_quantile(&counts, 0.5), None);
        // 90 requests of 20 ms, 9 of 300 ms, 1 of 20 s.
        counts[latency_bucket(20)] = 90;
        counts[latency_bucket(300)] = 9;
        counts[latency_bucket(20_000)] = 1;
        assert_eq!(latency_quantile(&counts, 0.5), Some(25));
        assert_eq!(latency_quantile(&counts, 0.95), Some(500));
        assert_eq!(latency_quantile(&counts, 0.99), Some(500));
        assert_eq!(latency_quantile(&counts, 1.0), Some(10_000));
    }

    #[test]
    fn keys_round_trip_and_hash_stably() {
        let key = ApiKeySecret::new(ApiKeyId::from_entropy(7), [9; 32]);
        assert!(key.expose().starts_with("cbk_0000000000000007_"));
        let parsed = ApiKeySecret::parse(key.expose()).unwrap();
        assert_eq!(parsed.id(), key.id());
        assert_eq!(parsed.hash(), key.hash());
        assert_eq!(key.hash().as_str().len(), 64);
        assert!(!format!("{key:?}").contains(&key.expose()[21..]));
        let other = ApiKeySecret::generate();
        assert_ne!(other.hash(), key.hash());
        assert!(ApiKeySecret::parse(other.expose()).is_ok());
    }

    #[test]
    fn malformed_keys_are_refused() {
        let good = ApiKeySecret::new(ApiKeyId::from_entropy(7), [9; 32]);
        let raw = good.expose();
        for bad in [
            "",
            "cbk_",
            "key_0000000000000007",
            &raw[..raw.len() - 1],
            &raw.replace("cbk_", "cbx_"),
            &raw.replace("0000000000000007", "000000000000000A"),
            &format!("{raw}A"),
            &format!("{raw}\u{e9}"),
        ] {
            assert!(ApiKeySecret::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn the_billing_rule_bills_everything_below_500() {
        for status in [200, 204, 304, 400, 404, 422] {
            assert_eq!(Billing::of_status(status), Billing::Billed, "{status}");
        }
        for status in [500, 502, 503, 504] {
            assert_eq!(Billing::of_status(status), Billing::NotBilled, "{status}");
        }
    }

    #[test]
    fn prices_round_up_to_a_cent() {
        let standard = Tier::Standard.price();
        assert_eq!(standard.month_cents(0), 4_900);
        assert_eq!(standard.month_cents(100_000), 4_900);
        assert_eq!(standard.month_cents(100_001), 4_901);
        assert_eq!(standard.month_cents(1_100_000), 4_900 + 40_000);
        assert_eq!(Tier::Free.price().month_cents(30_000), 0);
    }

    #[test]
    fn resets_are_the_next_utc_midnight_and_month() {
        let now: Timestamp = "2026-02-28T23:59:30Z".parse().unwrap();
        assert_eq!(secs_to_next_day(now), 30);
        assert_eq!(secs_to_next_month(now), 30);
        let mid: Timestamp = "2026-11-29T12:00:00.500Z".parse().unwrap();
        assert_eq!(secs_to_next_day(mid), 43_200);
        assert_eq!(secs_to_next_month(mid), 43_200 + 86_400);
        assert_eq!(utc_day(mid).to_string(), "2026-11-29");
    }

    #[test]
    fn tiers_parse_and_carry_their_defaults() {
        assert_eq!(Tier::parse("standard").unwrap(), Tier::Standard);
        assert!(Tier::parse("gold").is_err());
        assert_eq!(Tier::Free.default_limits().per_day, Some(1_000));
        assert_eq!(Tier::Standard.default_limits().per_second, 50);
        assert!(
            Partner::new(
                PartnerId::from_entropy(1),
                "  ",
                Tier::Free,
                Timestamp::UNIX_EPOCH
            )
            .is_err()
        );
    }
}
