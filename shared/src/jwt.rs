//! HS256 JSON Web Tokens for local runs only. In AWS, API Gateway's JWT authorizer verifies
//! Cognito tokens before a function runs; locally the local server verifies tokens signed with
//! `CRAFTBEAN_JWT_SECRET` so the same functions see the same claims.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Seconds of clock skew tolerated past `exp`: none, a token is expired from its `exp` second
/// on.
pub const LEEWAY_SECS: i64 = 0;

/// The claims CraftBean requires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Expiry, epoch seconds.
    pub exp: i64,
}

/// Why a token was refused. Every variant is a 401.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token must be signed with HS256")]
    WrongAlgorithm,
    #[error("the token's signature is not valid")]
    BadSignature,
    #[error("the token lacks a sub or exp claim")]
    MissingClaims,
    #[error("the token has expired")]
    Expired,
}

/// Signs `claims` with `secret` (HS256). An empty secret signs nothing: the result is an empty
/// string, which [`verify`] refuses.
pub fn sign(claims: &Claims, secret: &[u8]) -> String {
    EncodingKey::from_secret(secret)
        .and_then(|key| jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key))
        .unwrap_or_default()
}

/// The claims as sent: both optional, so a missing one is reported as such.
#[derive(Deserialize)]
struct RawClaims {
    sub: Option<String>,
    exp: Option<i64>,
}

/// Only HS256; `exp` required. Expiry is checked against the caller's `now`, not the clock.
fn validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp"]);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation
}

/// Whether a header that jsonwebtoken could not read still names an algorithm other than HS256
/// (one it does not implement, such as `none`), as opposed to not being a usable header at all.
fn names_another_algorithm(token: &str) -> bool {
    token
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok())
        .and_then(|h| h.get("alg").and_then(|a| a.as_str().map(|a| a != "HS256")))
        .unwrap_or(false)
}

/// Verifies signature, algorithm, `sub` and `exp` (against `now`, epoch seconds).
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<Claims, JwtError> {
    if token.split('.').count() != 3 {
        return Err(JwtError::Malformed);
    }
    if jsonwebtoken::decode_header(token).is_err() {
        return Err(if names_another_algorithm(token) {
            JwtError::WrongAlgorithm
        } else {
            JwtError::Malformed
        });
    }
    let key = DecodingKey::from_secret(secret).map_err(|_| JwtError::BadSignature)?;
    let claims = jsonwebtoken::decode::<RawClaims>(token, &key, &validation())
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithm => JwtError::WrongAlgorithm,
            ErrorKind::InvalidSignature => JwtError::BadSignature,
            ErrorKind::MissingRequiredClaim(_) => JwtError::MissingClaims,
            _ => JwtError::Malformed,
        })?
        .claims;
    let (Some(sub), Some(exp)) = (claims.sub.filter(|s| !s.is_empty()), claims.exp) else {
        return Err(JwtError::MissingClaims);
    };
    if exp.saturating_add(LEEWAY_SECS) <= now {
        return Err(JwtError::Expired);
    }
    Ok(Claims { sub, exp })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"local-secret-local-secret-local-secret";

    #[test]
    fn accepts_its_own_tokens_and_refuses_forged_expired_and_incomplete_ones() {
        let claims = Claims {
            sub: "demo-user".to_owned(),
            exp: 2_000,
        };
        let token = sign(&claims, SECRET);
        assert_eq!(verify(&token, SECRET, 1_000), Ok(claims.clone()));
        assert_eq!(verify(&token, SECRET, 2_000), Err(JwtError::Expired));
        assert_eq!(
            verify(&token, b"another-secret-another-secret-xx", 1_000),
            Err(JwtError::BadSignature)
        );

        // Our header and signature around someone else's claims.
        let other = sign(
            &Claims {
                sub: "attacker".to_owned(),
                exp: 9_999,
            },
            b"guess",
        );
        let part = |t: &str, i: usize| t.split('.').nth(i).expect("three parts").to_owned();
        let forged = format!(
            "{}.{}.{}",
            part(&token, 0),
            part(&other, 1),
            part(&token, 2)
        );
        assert_eq!(verify(&forged, SECRET, 1_000), Err(JwtError::BadSignature));

        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            token.split('.').nth(1).expect("payload")
        );
        assert_eq!(
            verify(&none_alg, SECRET, 1_000),
            Err(JwtError::WrongAlgorithm)
        );
        for junk in ["", "a.b", "a.b.c.d", "!!.??.##"] {
            assert!(verify(junk, SECRET, 1_000).is_err(), "{junk:?}");
        }
        #[derive(Serialize)]
        struct Only {
            #[serde(skip_serializing_if = "Option::is_none")]
            sub: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            exp: Option<i64>,
        }
        let key = EncodingKey::from_secret(SECRET).expect("non-empty secret");
        let hs256 = |claims: &Only| {
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).expect("signs")
        };
        let no_sub = hs256(&Only {
            sub: None,
            exp: Some(2_000),
        });
        assert_eq!(verify(&no_sub, SECRET, 1_000), Err(JwtError::MissingClaims));
        let no_exp = hs256(&Only {
            sub: Some("demo-user"),
            exp: None,
        });
        assert_eq!(verify(&no_exp, SECRET, 1_000), Err(JwtError::MissingClaims));
    }

    #[test]
    fn refuses_every_algorithm_but_hs256() {
        let claims = Claims {
            sub: "demo-user".to_owned(),
            exp: 2_000,
        };
        let token = sign(&claims, SECRET);
        let payload = token.split('.').nth(1).expect("payload");

        // `alg: none`, unsigned, and with HS256's own signature carried over.
        for header in [
            br#"{"alg":"none"}"#.as_slice(),
            br#"{"alg":"none","typ":"JWT"}"#,
        ] {
            let header = URL_SAFE_NO_PAD.encode(header);
            for signature in ["", token.split('.').nth(2).expect("signature")] {
                let none = format!("{header}.{payload}.{signature}");
                assert_eq!(verify(&none, SECRET, 1_000), Err(JwtError::WrongAlgorithm));
            }
        }

        // Another HMAC, correctly signed with the same secret.
        let key = EncodingKey::from_secret(SECRET).expect("non-empty secret");
        let hs512 =
            jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &key).expect("signs");
        assert_eq!(verify(&hs512, SECRET, 1_000), Err(JwtError::WrongAlgorithm));

        // Public-key algorithms, known and unknown to the library.
        for alg in ["RS256", "ES256", "EdDSA", "HS999"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
            let other = format!(
                "{header}.{payload}.{}",
                token.split('.').nth(2).expect("sig")
            );
            assert_eq!(
                verify(&other, SECRET, 1_000),
                Err(JwtError::WrongAlgorithm),
                "{alg}"
            );
        }
    }
}
