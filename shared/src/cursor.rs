//! Opaque, tamper-evident page cursors.
//!
//! A cursor is `base64url(payload) "." base64url(tag)`, where the payload names the query it
//! belongs to (a hash of its filters and sort) and the position to resume after, and the tag is
//! a truncated HMAC-SHA-256 over the payload. The server rejects a cursor that was altered, that
//! was minted with another key, or that is replayed with different filters.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::digest::sha256_hex;

/// Shortest signing secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 32;
/// Longest cursor accepted, in characters; real cursors are far shorter.
pub const MAX_CURSOR_LEN: usize = 2_048;
const TAG_LEN: usize = 16;
const VERSION: u8 = 1;

/// Why a cursor was refused. Every variant is the client's fault (400).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("is not a cursor this API issued")]
    Malformed,
    #[error("has been altered or was issued by another deployment")]
    BadSignature,
    #[error("belongs to a different query; keep the same filters and sort while paging")]
    OtherQuery,
}

/// The signing secret is too short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cursor secret must be at least {MIN_SECRET_LEN} bytes, got {0}")]
pub struct WeakSecret(pub usize);

#[derive(Serialize, Deserialize)]
struct Payload<K> {
    v: u8,
    /// Hex of the first 8 bytes of SHA-256 over the query scope.
    q: String,
    #[serde(flatten)]
    key: K,
}

/// Signs and verifies cursors with one secret.
#[derive(Clone)]
pub struct CursorCodec {
    secret: Vec<u8>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CursorCodec").finish_non_exhaustive()
    }
}

fn scope_hash(scope: &str) -> String {
    sha256_hex(scope.as_bytes(), 8)
}

impl CursorCodec {
    /// A codec signing with `secret` (at least [`MIN_SECRET_LEN`] bytes).
    pub fn new(secret: &[u8]) -> Result<Self, WeakSecret> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(WeakSecret(secret.len()));
        }
        Ok(Self {
            secret: secret.to_vec(),
        })
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
    }

    /// Mints a cursor for `key` (a [`crate::query::PageKey`] or another position type) within the query
    /// identified by `scope`.
    pub fn encode<K: Serialize>(&self, scope: &str, key: &K) -> String {
        let payload = Payload {
            v: VERSION,
            q: scope_hash(scope),
            key,
        };
        // Serialising plain strings and integers cannot fail.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let mut mac = self.mac();
        mac.update(&json);
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(&tag[..TAG_LEN])
        )
    }

    /// Checks a cursor's signature and scope and returns its position.
    pub fn decode<K: DeserializeOwned>(&self, scope: &str, cursor: &str) -> Result<K, CursorError> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(CursorError::Malformed);
        }
        let (body, tag) = cursor.split_once('.').ok_or(CursorError::Malformed)?;
        let json = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CursorError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| CursorError::Malformed)?;
        if tag.len() != TAG_LEN {
            return Err(CursorError::Malformed);
        }
        let mut mac = self.mac();
        mac.update(&json);
        mac.verify_truncated_left(&tag)
            .map_err(|_| CursorError::BadSignature)?;
        let payload: Payload<K> =
            serde_json::from_slice(&json).map_err(|_| CursorError::Malformed)?;
        if payload.v != VERSION {
            return Err(CursorError::Malformed);
        }
        if payload.q != scope_hash(scope) {
            return Err(CursorError::OtherQuery);
        }
        Ok(payload.key)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::query::PageKey;

    fn codec() -> CursorCodec {
        CursorCodec::new(&[7u8; 32]).expect("32-byte secret")
    }

    fn key(sort: &str) -> PageKey {
        PageKey {
            sort: sort.to_owned(),
            pk: "CAFE#caf_0000000000000001".to_owned(),
            sk: "LIST#ALL".to_owned(),
        }
    }

    #[test]
    fn rejects_short_secrets() {
        assert_eq!(CursorCodec::new(&[0; 31]).err(), Some(WeakSecret(31)));
    }

    #[test]
    fn detects_tampering_foreign_keys_and_other_queries() {
        let c = codec();
        let cursor = c.encode("cafes|name", &key("a#1"));
        assert_eq!(c.decode::<PageKey>("cafes|name", &cursor), Ok(key("a#1")));
        assert_eq!(
            c.decode::<PageKey>("cafes|rating", &cursor),
            Err(CursorError::OtherQuery)
        );

        let other = CursorCodec::new(&[8u8; 32]).expect("secret");
        assert_eq!(
            other.decode::<PageKey>("cafes|name", &cursor),
            Err(CursorError::BadSignature)
        );

        // Re-encode a modified payload with the original tag.
        let (body, tag) = cursor.split_once('.').expect("two parts");
        let mut json = URL_SAFE_NO_PAD.decode(body).expect("base64");
        let pos = json
            .iter()
            .position(|b| *b == b'a')
            .expect("an 'a' in the payload");
        json[pos] = b'b';
        let forged = format!("{}.{}", URL_SAFE_NO_PAD.encode(&json), tag);
        assert_eq!(
            c.decode::<PageKey>("cafes|name", &forged),
            Err(CursorError::BadSignature)
        );

        for junk in [
            "",
            ".",
            "abc",
            "abc.def",
            "!!!.???",
            &"a".repeat(MAX_CURSOR_LEN + 1),
        ] {
            assert!(c.decode::<PageKey>("cafes|name", junk).is_err(), "{junk:?}");
        }
    }

    proptest! {
        #[test]
        fn round_trips_any_position(sort in ".{0,80}", pk in ".{0,40}", sk in ".{0,40}", scope in ".{0,60}") {
            let c = codec();
            let key = PageKey { sort, pk, sk };
            prop_assert_eq!(c.decode::<PageKey>(&scope, &c.encode(&scope, &key)), Ok(key));
        }

        #[test]
        fn refuses_garbage(cursor in ".{0,300}") {
            prop_assert!(codec().decode::<PageKey>("scope", &cursor).is_err());
        }
    }
}
