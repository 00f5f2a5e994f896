//! The one wire format of instants: RFC 3339 in UTC with exactly three fractional digits
//! (`2026-11-29T10:15:30.000Z`), which every client parser accepts (Swift's `.iso8601`
//! decoder with fractional seconds, JavaScript's `Date`, Java's `Instant`).
//!
//! Every serialised `Timestamp` in the domain goes through [`rfc3339_millis`]; reading is
//! tolerant (any RFC 3339 instant, so documents stored before this format still decode).

use jiff::Timestamp;

/// `ts` truncated to whole milliseconds: what the wire format can carry. Writers take `now`
/// through this so the value they keep equals the value read back.
pub fn truncate_millis(ts: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(ts.as_millisecond()).unwrap_or(ts)
}

/// The current instant, truncated to whole milliseconds.
pub fn now_millis() -> Timestamp {
    truncate_millis(Timestamp::now())
}

/// `ts` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, truncated to the millisecond).
pub fn format_millis(ts: Timestamp) -> String {
    let ms = ts.as_millisecond().rem_euclid(1_000);
    let whole = Timestamp::from_second(ts.as_millisecond().div_euclid(1_000)).unwrap_or(ts);
    format!("{}.{ms:03}Z", whole.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// `#[serde(with = "rfc3339_millis")]` for `Timestamp` fields.
pub mod rfc3339_millis {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes [`super::format_millis`].
    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_millis(*ts))
    }

    /// Reads any RFC 3339 instant.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let raw = std::borrow::Cow::<str>::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// `#[serde(default, skip_serializing_if = "Option::is_none", with = "option_rfc3339_millis")]`
/// for `Option<Timestamp>` fields.
pub mod option_rfc3339_millis {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes [`super::format_millis`] (callers skip `None`).
    pub fn serialize<S: Serializer>(ts: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match ts {
            Some(ts) => s.serialize_str(&super::format_millis(*ts)),
            None => s.serialize_none(),
        }
    }

    /// Reads any RFC 3339 instant, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        let raw = Option::<std::borrow::Cow<str>>::deserialize(d)?;
        raw.map(|r| r.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> Timestamp {
        raw.parse().unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    #[test]
    fn always_three_fractional_digits_in_utc() {
        for (input, expected) in [
            ("2026-11-29T10:15:30Z", "2026-11-29T10:15:30.000Z"),
            ("2026-11-29T10:15:30.5Z", "2026-11-29T10:15:30.500Z"),
            ("2026-11-29T10:15:30.123456789Z", "2026-11-29T10:15:30.123Z"),
            ("2026-11-29T11:15:30.999+01:00", "2026-11-29T10:15:30.999Z"),
            ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
        ] {
            assert_eq!(format_millis(at(input)), expected, "{input}");
        }
    }

    #[test]
    fn serde_writes_millis_and_reads_any_rfc3339() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Doc {
            #[serde(with = "rfc3339_millis")]
            t: Timestamp,
        }
        let doc = Doc {
            t: at("2026-11-29T10:15:30.123456Z"),
        };
        let json = serde_json::to_string(&doc).unwrap_or_default();
        assert_eq!(json, r#"{"t":"2026-11-29T10:15:30.123Z"}"#);
        // Stored by older releases: no fraction, or microseconds.
        for stored in [
            r#"{"t":"2026-11-29T10:15:30Z"}"#,
            r#"{"t":"2026-11-29T10:15:30.123456Z"}"#,
        ] {
            assert!(serde_json::from_str::<Doc>(stored).is_ok(), "{stored}");
        }
        let back: Result<Doc, _> = serde_json::from_str(&json);
        assert_eq!(
            back.ok().map(|d| d.t),
            Some(truncate_millis(doc.t)),
            "round trip equals the truncated instant"
        );
    }
}
