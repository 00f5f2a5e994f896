//! Experiment units and sticky bucketing: `SHA-256(salt ‖ "." ‖ unit id)`, its first eight bytes
//! read big-endian, mod 10,000. Pure and process-independent, so a unit lands in the same bucket
//! in every function, region and release that sees the same salt (the fixed vectors in the tests
//! pin the formula), and two experiments with different salts split units independently.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::domain::PublicUserId;

/// Buckets per experiment: weights and percentages are expressed in these units (0.01 %).
pub const BUCKETS: u32 = 10_000;

/// The HTTP header anonymous callers identify their device with.
pub const DEVICE_ID_HEADER: &str = "x-device-id";
/// Shortest accepted device id.
pub const MIN_DEVICE_ID_CHARS: usize = 16;
/// Longest accepted device id.
pub const MAX_DEVICE_ID_CHARS: usize = 64;

/// A client-generated device id (`X-Device-Id`): 16–64 characters of `A–Z a–z 0–9 - _`, e.g. a
/// UUID the app generates once per install. Opaque to the server; it is only hashed and stored as
/// an experiment unit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(String);

/// Why a device id was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "must be {MIN_DEVICE_ID_CHARS}–{MAX_DEVICE_ID_CHARS} characters of letters, digits, '-' or '_'"
)]
pub struct InvalidDeviceId;

impl DeviceId {
    /// Validates a raw header value.
    pub fn parse(raw: &str) -> Result<Self, InvalidDeviceId> {
        let ok_len = (MIN_DEVICE_ID_CHARS..=MAX_DEVICE_ID_CHARS).contains(&raw.len());
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok_len && ok_chars {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidDeviceId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an experiment randomises: a signed-in person (their public id, never the token's `sub`)
/// or, for anonymous callers, a device.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    User(PublicUserId),
    Device(DeviceId),
}

impl Unit {
    /// The id hashed and stored: `usr_…` for people, `dev_<device id>` for devices, so the two
    /// kinds never collide.
    pub fn id(&self) -> String {
        match self {
            Self::User(id) => id.to_string(),
            Self::Device(id) => format!("dev_{}", id.as_str()),
        }
    }

    /// `user` or `device`.
    pub fn kind(&self) -> UnitKind {
        match self {
            Self::User(_) => UnitKind::User,
            Self::Device(_) => UnitKind::Device,
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

/// The two kinds of unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    User,
    Device,
}

/// The unit's bucket in `0..BUCKETS` for an experiment salted with `salt`.
pub fn bucket(salt: &str, unit_id: &str) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(b".");
    hasher.update(unit_id.as_bytes());
    let digest = hasher.finalize();
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    // The remainder is below 10,000, so it always fits.
    (u64::from_be_bytes(head) % u64::from(BUCKETS)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use statrs::distribution::{ChiSquared, ContinuousCDF};

    /// Upper-tail p-value of a chi-square statistic with `df` degrees of freedom.
    fn p_value(statistic: f64, df: f64) -> f64 {
        let dist = ChiSquared::new(df).unwrap();
        1.0 - dist.cdf(statistic)
    }

    fn ids(n: usize, seed: &str) -> Vec<String> {
        (0..n).map(|i| format!("usr_{seed}{i:010}")).collect()
    }

    /// Computed independently with coreutils:
    /// `printf '%s' 'nearby-ranking-v1.usr_0000000000000001' | sha256sum`, first 16 hex digits
    /// as an unsigned integer, mod 10000. These pin the formula across processes and releases.
    #[test]
    fn fixed_vectors_pin_the_formula() {
        let cases = [
            ("nearby-ranking-v1", "usr_0000000000000001", FIXED[0]),
            (
                "nearby-ranking-v1",
                "dev_3f6c1b52-9d1e-4f55-8a0e-7b2c7d4e9a10",
                FIXED[1],
            ),
            ("home-guide", "usr_k3j9x0a1b2c3d4e5", FIXED[2]),
            ("", "", FIXED[3]),
        ];
        for (salt, unit, expected) in cases {
            assert_eq!(bucket(salt, unit), expected, "{salt} / {unit}");
        }
    }

    const FIXED: [u32; 4] = [1044, 9242, 4142, 4234];

    #[test]
    fn buckets_are_uniform_chi_square_over_100k_ids() {
        // 100 bins of 100 buckets each: 1,000 ids expected per bin.
        let mut bins = [0u32; 100];
        for id in ids(100_000, "u") {
            bins[(bucket("uniformity", &id) / 100) as usize] += 1;
        }
        let expected = 1_000.0;
        let statistic: f64 = bins
            .iter()
            .map(|&o| (f64::from(o) - expected).powi(2) / expected)
            .sum();
        let p = p_value(statistic, 99.0);
        assert!(p > 0.001, "chi-square {statistic:.1} on 99 df, p = {p:.5}");
        // And every one of the 10,000 buckets is reachable with 100k ids.
        let mut seen = vec![false; BUCKETS as usize];
        for id in ids(100_000, "u") {
            seen[bucket("uniformity", &id) as usize] = true;
        }
        let missing = seen.iter().filter(|s| !**s).count();
        // Expected ≈ 10,000 × e^-10 ≈ 0.45 empty buckets.
        assert!(missing < 5, "{missing} buckets never hit");
    }

    #[test]
    fn salts_split_independently() {
        // 10 × 10 contingency table of (decile under salt A, decile under salt B).
        let mut table = [[0u32; 10]; 10];
        for id in ids(100_000, "i") {
            let a = (bucket("salt-a", &id) / 1_000) as usize;
            let b = (bucket("salt-b", &id) / 1_000) as usize;
            table[a][b] += 1;
        }
        let total = 100_000.0;
        let rows: Vec<f64> = table
            .iter()
            .map(|r| r.iter().map(|&c| f64::from(c)).sum())
            .collect();
        let cols: Vec<f64> = (0..10)
            .map(|j| table.iter().map(|r| f64::from(r[j])).sum())
            .collect();
        let mut statistic = 0.0;
        for i in 0..10 {
            for j in 0..10 {
                let expected = rows[i] * cols[j] / total;
                statistic += (f64::from(table[i][j]) - expected).powi(2) / expected;
            }
        }
        let p = p_value(statistic, 81.0);
        assert!(
            p > 0.001,
            "independence chi-square {statistic:.1}, p = {p:.5}"
        );
        // The same salt is perfectly dependent: the test can fail.
        let same = ids(1_000, "i")
            .iter()
            .filter(|id| bucket("salt-a", id) / 1_000 == bucket("salt-a", id) / 1_000)
            .count();
        assert_eq!(same, 1_000);
    }

    #[test]
    fn a_skewed_hash_would_fail_the_uniformity_statistic() {
        // Guard the test itself: the statistic rejects a visibly non-uniform assignment.
        let mut bins = [0u32; 100];
        for i in 0..100_000u32 {
            bins[((i % 97) * 100 / 97) as usize] += 1;
        }
        let expected = 1_000.0;
        let statistic: f64 = bins
            .iter()
            .map(|&o| (f64::from(o) - expected).powi(2) / expected)
            .sum();
        assert!(p_value(statistic, 99.0) < 0.001);
    }

    #[test]
    fn device_ids_are_validated() {
        assert!(DeviceId::parse("3f6c1b52-9d1e-4f55-8a0e-7b2c7d4e9a10").is_ok());
        assert!(DeviceId::parse("abcdefghijklmnop").is_ok());
        for bad in [
            "",
            "short",
            "abcdefghijklmno",
            "has space in the middle!",
            "ünïcödé-ünïcödé-ünïcödé",
            &"x".repeat(65),
        ] {
            assert_eq!(DeviceId::parse(bad), Err(InvalidDeviceId), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn bucketing_is_sticky_and_in_range(salt in ".{0,40}", unit in "[a-z0-9_]{1,40}") {
            let first = bucket(&salt, &unit);
            prop_assert!(first < BUCKETS);
            for _ in 0..3 {
                prop_assert_eq!(bucket(&salt, &unit), first);
            }
        }

        #[test]
        fn user_and_device_units_never_share_an_id(raw in "[a-z0-9]{16}") {
            let device = Unit::Device(DeviceId::parse(&raw).unwrap());
            prop_assert!(device.id().starts_with("dev_"));
            prop_assert!(!device.id().starts_with("usr_"));
        }
    }
}
