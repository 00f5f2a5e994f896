//! HS256 JSON Web Tokens for local runs only. In AWS, API Gateway's JWT authorizer verifies
//! Cognito tokens before a function runs; locally the local server verifies tokens signed with
//! `CRAFTBEAN_JWT_SECRET` so the same functions see the same claims.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

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

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// Signs `claims` with `secret`.
pub fn sign(claims: &Claims, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut mac = mac(secret);
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Deserialize)]
struct RawClaims {
    sub: Option<String>,
    exp: Option<i64>,
}

/// Verifies signature, algorithm, `sub` and `exp` (against `now`, epoch seconds).
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<Claims, JwtError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(JwtError::Malformed)?;
    if header.alg != "HS256" {
        return Err(JwtError::WrongAlgorithm);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::Malformed)?;
    let mut mac = mac(secret);
    mac.update(format!("{}.{payload}", token.split('.').next().unwrap_or_default()).as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| JwtError::BadSignature)?;
    let claims: RawClaims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or(JwtError::Malformed)?;
    let (Some(sub), Some(exp)) = (claims.sub.filter(|s| !s.is_empty()), claims.exp) else {
        return Err(JwtError::MissingClaims);
    };
    if exp <= now {
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
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"exp":2000}"#);
        let mut mac = mac(SECRET);
        mac.update(format!("{header}.{payload}").as_bytes());
        let no_sub = format!(
            "{header}.{payload}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        assert_eq!(verify(&no_sub, SECRET, 1_000), Err(JwtError::MissingClaims));
    }
}
