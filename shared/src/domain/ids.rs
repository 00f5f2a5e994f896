//! Opaque identifiers: a short type prefix and 16 lowercase base-36 characters.
//!
//! Ids say nothing about storage or creation order; clients must treat them as opaque strings.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// Number of random characters after the prefix and underscore.
pub const ID_BODY_LEN: usize = 16;
const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

macro_rules! opaque_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with (before the underscore).
            pub const PREFIX: &'static str = $prefix;

            /// Parses an id, checking prefix, length and alphabet.
            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                parse_id(raw, $prefix).map(Self)
            }

            /// Builds an id from 64 bits of entropy (random in production, seeded in demo data).
            pub fn from_entropy(bits: u128) -> Self {
                Self(encode(bits, $prefix))
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

opaque_id!(
    /// Identifies a café, e.g. `caf_0k3x9p2m7q1r5t8v`.
    CafeId,
    "caf"
);
opaque_id!(
    /// Identifies a roaster, e.g. `rst_…`.
    RoasterId,
    "rst"
);
opaque_id!(
    /// Identifies a review, e.g. `rev_…`.
    ReviewId,
    "rev"
);
opaque_id!(
    /// Identifies a story, e.g. `sty_…`.
    StoryId,
    "sty"
);
opaque_id!(
    /// Identifies a photo, e.g. `pho_…`.
    PhotoId,
    "pho"
);
opaque_id!(
    /// A person's public id, e.g. `usr_…`: what every response shows for a user. Derived from
    /// the identity provider's `sub` with a keyed hash ([`crate::identity::UserKeys`]), so it
    /// is stable across regions and sessions but cannot be linked back to the `sub`.
    PublicUserId,
    "usr"
);
opaque_id!(
    /// Identifies an artisan (barista, roaster, owner…), e.g. `art_…`.
    ArtisanId,
    "art"
);

opaque_id!(
    /// Identifies a partner company using the partner API, e.g. `ptn_…`.
    PartnerId,
    "ptn"
);
opaque_id!(
    /// Identifies one of a partner's API keys, e.g. `key_…`: public (it names the key in
    /// usage reports and ops output); the secret part of the key is never stored.
    ApiKeyId,
    "key"
);

opaque_id!(
    /// A person as one partner knows them, e.g. `pu_…`: a keyed hash of the partner and the
    /// public user id (`crate::identity::UserKeys::partner_user_id`), so partners cannot link
    /// their users with each other's or with CraftBean's public ids.
    PartnerUserId,
    "pu"
);

fn encode(mut bits: u128, prefix: &str) -> String {
    let mut body = [b'0'; ID_BODY_LEN];
    for slot in body.iter_mut().rev() {
        // `bits % 36` is always < 36, so the index is in range.
        *slot = ALPHABET[(bits % 36) as usize];
        bits /= 36;
    }
    let mut out = String::with_capacity(prefix.len() + 1 + ID_BODY_LEN);
    out.push_str(prefix);
    out.push('_');
    out.extend(body.iter().map(|b| char::from(*b)));
    out
}

fn parse_id(raw: &str, prefix: &str) -> Result<String, DomainError> {
    let invalid = || DomainError::InvalidId {
        expected_prefix: prefix.to_owned(),
    };
    let body = raw
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .ok_or_else(invalid)?;
    if body.len() != ID_BODY_LEN
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    {
        return Err(invalid());
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_generated_ids() {
        for bits in [0u128, 1, 42, u64::MAX as u128, u128::MAX] {
            let id = CafeId::from_entropy(bits);
            assert_eq!(CafeId::parse(id.as_str()), Ok(id.clone()));
            assert_eq!(id.as_str().len(), 4 + ID_BODY_LEN);
        }
    }

    #[test]
    fn rejects_malformed_ids() {
        let cases = [
            ("", "empty"),
            ("caf_", "no body"),
            ("rst_0000000000000000", "wrong prefix"),
            ("caf_000000000000000", "too short"),
            ("caf_00000000000000000", "too long"),
            ("caf_000000000000000A", "uppercase"),
            ("caf_00000000000000-0", "punctuation"),
            ("caf-0000000000000000", "wrong separator"),
        ];
        for (raw, why) in cases {
            assert!(
                CafeId::parse(raw).is_err(),
                "{why}: {raw:?} should be rejected"
            );
        }
    }
}
