//! Browser-style upload targets: an S3 POST policy pinned to one key, one content type and an
//! exact length, expiring within minutes, signed with AWS Signature Version 4.
//!
//! The same policy document and signature scheme serve the local server, which checks them
//! itself (see [`verify`]), so `make run` enforces what S3 enforces in AWS.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::UploadType;

/// How long an upload target stays valid, seconds (≤ 10 minutes).
pub const UPLOAD_TTL_SECONDS: i64 = 600;
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Where and how a client uploads: `POST` a multipart form to `url` with every field in
/// `fields` (in order) and the file last, as `file`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadTarget {
    pub method: &'static str,
    pub url: String,
    pub fields: Vec<(String, String)>,
    #[serde(with = "crate::domain::time::rfc3339_millis")]
    pub expires_at: Timestamp,
}

/// Signing credentials (an IAM role's temporary keys in Lambda).
#[derive(Clone)]
pub struct SigningKey {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// What one upload may be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRule {
    pub bucket: String,
    pub key: String,
    pub content_type: UploadType,
    pub content_length: u64,
}

/// The SigV4 signing key for a day (`YYYYMMDD`, as in the credential scope), region and
/// service, derived by the SDK's own `aws-sigv4`; `None` for a malformed day.
pub fn derive_key(secret: &str, day: &str, region: &str, service: &str) -> Option<Vec<u8>> {
    let day = jiff::civil::Date::strptime("%Y%m%d", day).ok()?;
    let midnight = day.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    let key = aws_sigv4::sign::v4::generate_signing_key(
        secret,
        std::time::SystemTime::from(midnight),
        region,
        service,
    );
    Some(key.as_ref().to_vec())
}

/// The hex SigV4 signature of `policy` (a POST policy signs its base64 text) under `key`.
fn signature(key: &[u8], policy: &str) -> String {
    aws_sigv4::sign::v4::calculate_signature(key, policy.as_bytes())
}

/// Builds and signs the POST policy for `rule`, valid from `now` for [`UPLOAD_TTL_SECONDS`].
pub fn sign(
    rule: &UploadRule,
    key: &SigningKey,
    region: &str,
    url: String,
    now: Timestamp,
) -> UploadTarget {
    let expires_at = now + jiff::SignedDuration::from_secs(UPLOAD_TTL_SECONDS);
    let date = now.strftime("%Y%m%d").to_string();
    let amz_date = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let credential = format!("{}/{date}/{region}/s3/aws4_request", key.access_key_id);
    let length = rule.content_length;
    let mut conditions = vec![
        json!({"bucket": rule.bucket}),
        json!({"key": rule.key}),
        json!({"Content-Type": rule.content_type.as_str()}),
        json!(["content-length-range", length, length]),
        json!({"x-amz-algorithm": ALGORITHM}),
        json!({"x-amz-credential": credential}),
        json!({"x-amz-date": amz_date}),
    ];
    if let Some(token) = &key.session_token {
        conditions.push(json!({"x-amz-security-token": token}));
    }
    let policy = json!({
        "expiration": expires_at.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string(),
        "conditions": conditions,
    });
    let encoded = STANDARD.encode(policy.to_string());
    // `date` comes from a valid timestamp, so the key always derives.
    let signing_key = derive_key(&key.secret_access_key, &date, region, "s3").unwrap_or_default();
    let signature = signature(&signing_key, &encoded);
    let mut fields = vec![
        ("key".to_owned(), rule.key.clone()),
        (
            "Content-Type".to_owned(),
            rule.content_type.as_str().to_owned(),
        ),
        ("x-amz-algorithm".to_owned(), ALGORITHM.to_owned()),
        ("x-amz-credential".to_owned(), credential),
        ("x-amz-date".to_owned(), amz_date),
    ];
    if let Some(token) = &key.session_token {
        fields.push(("x-amz-security-token".to_owned(), token.clone()));
    }
    fields.push(("policy".to_owned(), encoded));
    fields.push(("x-amz-signature".to_owned(), signature));
    UploadTarget {
        method: "POST",
        url,
        fields,
        expires_at,
    }
}

/// Why an upload was refused (each maps to the 4xx S3 would send).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UploadRefused {
    #[error("the form lacks field {0}")]
    MissingField(&'static str),
    #[error("the signature does not match the policy")]
    BadSignature,
    #[error("the policy is not valid base64 JSON")]
    BadPolicy,
    #[error("the policy expired")]
    Expired,
    #[error("field {0} breaks the policy")]
    PolicyViolation(String),
    #[error("the file is {actual} bytes; the policy allows exactly {allowed}")]
    WrongSize { actual: u64, allowed: u64 },
}

/// Checks a submitted form (without the file) and the file's size against its signed policy,
/// as S3 does: signature, expiry, and every condition. Returns the object key.
pub fn verify(
    fields: &[(String, String)],
    file_len: u64,
    bucket: &str,
    secret: &str,
    region: &str,
    now: Timestamp,
) -> Result<String, UploadRefused> {
    let field = |name: &'static str| {
        fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .ok_or(UploadRefused::MissingField(name))
    };
    let policy_b64 = field("policy")?;
    let credential = field("x-amz-credential")?;
    let date = credential
        .split('/')
        .nth(1)
        .ok_or(UploadRefused::BadSignature)?;
    let signing_key = derive_key(secret, date, region, "s3").ok_or(UploadRefused::BadSignature)?;
    let expected = signature(&signing_key, policy_b64);
    if field("x-amz-signature")? != expected {
        return Err(UploadRefused::BadSignature);
    }
    let policy: Value = STANDARD
        .decode(policy_b64)
        .ok()
        .and_then(|raw| serde_json::from_slice(&raw).ok())
        .ok_or(UploadRefused::BadPolicy)?;
    let expiration: Timestamp = policy["expiration"]
        .as_str()
        .and_then(|e| e.parse().ok())
        .ok_or(UploadRefused::BadPolicy)?;
    if now > expiration {
        return Err(UploadRefused::Expired);
    }
    for condition in policy["conditions"]
        .as_array()
        .ok_or(UploadRefused::BadPolicy)?
    {
        if let Some(map) = condition.as_object() {
            for (name, want) in map {
                let got = if name == "bucket" {
                    bucket
                } else {
                    fields
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.as_str())
                        .unwrap_or_default()
                };
                if Some(got) != want.as_str() {
                    return Err(UploadRefused::PolicyViolation(name.clone()));
                }
            }
        } else if let Some([kind, min, max]) = condition.as_array().map(Vec::as_slice) {
            if kind != "content-length-range" {
                return Err(UploadRefused::BadPolicy);
            }
            let (min, max) = (min.as_u64().unwrap_or(0), max.as_u64().unwrap_or(0));
            if file_len < min || file_len > max {
                return Err(UploadRefused::WrongSize {
                    actual: file_len,
                    allowed: max,
                });
            }
        } else {
            return Err(UploadRefused::BadPolicy);
        }
    }
    Ok(field("key")?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_documented_sigv4_signing_key() {
        // The worked example in the AWS SigV4 documentation (IAM, us-east-1, 2012-02-15).
        let key = derive_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        )
        .unwrap();
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    fn target(now: Timestamp) -> UploadTarget {
        sign(
            &UploadRule {
                bucket: "uploads".to_owned(),
                key: "uploads/pho_0000000000000001".to_owned(),
                content_type: UploadType::Jpeg,
                content_length: 1234,
            },
            &SigningKey {
                access_key_id: "AKIDEXAMPLE".to_owned(),
                secret_access_key: "secret".to_owned(),
                session_token: Some("token".to_owned()),
            },
            "eu-west-1",
            "https://uploads.s3.eu-west-1.amazonaws.com/".to_owned(),
            now,
        )
    }

    #[test]
    fn signed_policies_pin_key_type_size_and_expiry() {
        let now: Timestamp = "2026-11-23T12:00:00Z".parse().expect("instant");
        let t = target(now);
        assert_eq!(
            t.expires_at,
            "2026-11-23T12:10:00Z".parse().expect("instant")
        );
        let ok = |fields: &[(String, String)], len, at| {
            verify(fields, len, "uploads", "secret", "eu-west-1", at)
        };
        assert_eq!(
            ok(&t.fields, 1234, now),
            Ok("uploads/pho_0000000000000001".to_owned())
        );
        assert!(matches!(
            ok(&t.fields, 1235, now),
            Err(UploadRefused::WrongSize { .. })
        ));
        assert_eq!(
            ok(&t.fields, 1234, now + jiff::SignedDuration::from_secs(601)),
            Err(UploadRefused::Expired)
        );
        for (name, value) in [
            ("key", "uploads/pho_0000000000000002"),
            ("Content-Type", "text/html"),
        ] {
            let mut changed = t.fields.clone();
            for f in &mut changed {
                if f.0 == name {
                    f.1 = value.to_owned();
                }
            }
            assert_eq!(
                ok(&changed, 1234, now),
                Err(UploadRefused::PolicyViolation(name.to_owned()))
            );
        }
        let mut forged = t.fields.clone();
        for f in &mut forged {
            if f.0 == "policy" {
                f.1 =
                    STANDARD.encode(r#"{"expiration":"2099-01-01T00:00:00.000Z","conditions":[]}"#);
            }
        }
        assert_eq!(ok(&forged, 1234, now), Err(UploadRefused::BadSignature));
        assert_eq!(
            verify(&t.fields, 1234, "uploads", "other", "eu-west-1", now),
            Err(UploadRefused::BadSignature)
        );
    }
}
