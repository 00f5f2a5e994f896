//! From the identity provider's subject to the public user id.
//!
//! The token's `sub` (a Cognito user's UUID in AWS) never leaves the function that verified
//! it: every stored item and every response names people by [`PublicUserId`], which is
//! `usr_` + 16 base-36 characters of HMAC-SHA-256(secret, sub). The mapping needs no lookup
//! table, so every region derives the same id for the same person without coordination, and
//! without the secret nobody can tell which `sub` an id belongs to. The secret must never
//! change once users exist (it would give everyone a new id); rotate only with a migration.
//!
//! [`UserKeys`] may also carry a [`DevTokenSecret`] (development only, from
//! `CRAFTBEAN_DEV_JWT_SECRET`): then a request that reached the function without authorizer
//! claims, as under `cargo lambda watch`, is authenticated by verifying its local HS256 bearer
//! token in the function (`shared::http::caller`). Unset, which it always is in AWS, nothing
//! but API Gateway's authorizer can name the caller.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::{PartnerId, PartnerUserId, PublicUserId, UserId};

/// Fewest bytes a user-id secret may have.
pub const MIN_SECRET_LEN: usize = 32;

/// The keyed hash from subjects to public user ids, and (development only) the secret that
/// verifies local bearer tokens when no authorizer did.
#[derive(Clone)]
pub struct UserKeys {
    /// The keyed MAC, ready to be cloned for each id.
    mac: Hmac<Sha256>,
    /// Set only by `CRAFTBEAN_DEV_JWT_SECRET`, which template.yaml never sets.
    dev_tokens: Option<DevTokenSecret>,
}

impl std::fmt::Debug for UserKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.dev_tokens {
            None => f.write_str("UserKeys(<secret>)"),
            Some(_) => f.write_str("UserKeys(<secret>, dev tokens: <secret>)"),
        }
    }
}

/// The HS256 secret of local bearer tokens, for functions run outside API Gateway during
/// development (`cargo lambda watch`). Never configured in AWS.
#[derive(Clone)]
pub struct DevTokenSecret(Vec<u8>);

impl std::fmt::Debug for DevTokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevTokenSecret(<secret>)")
    }
}

impl DevTokenSecret {
    /// Wraps `secret` (at least [`MIN_SECRET_LEN`] bytes).
    pub fn new(secret: &[u8]) -> Result<Self, WeakSecret> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(WeakSecret);
        }
        Ok(Self(secret.to_vec()))
    }

    /// The secret's bytes, to verify a token with.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The secret is too short to key the hash.
#[derive(Debug, thiserror::Error)]
#[error("the secret must be at least {MIN_SECRET_LEN} bytes")]
pub struct WeakSecret;

impl UserKeys {
    /// Keys the hash with `secret` (at least [`MIN_SECRET_LEN`] bytes).
    pub fn new(secret: &[u8]) -> Result<Self, WeakSecret> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(WeakSecret);
        }
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).map_err(|_| WeakSecret)?;
        Ok(Self {
            mac,
            dev_tokens: None,
        })
    }

    /// The same hash, also verifying local bearer tokens with `secret` when a request carries
    /// no authorizer claims. Development only.
    pub fn with_dev_tokens(self, secret: DevTokenSecret) -> Self {
        Self {
            dev_tokens: Some(secret),
            ..self
        }
    }

    /// The development token secret, when one is configured (never in AWS).
    pub fn dev_tokens(&self) -> Option<&DevTokenSecret> {
        self.dev_tokens.as_ref()
    }

    /// The public id of the person the identity provider calls `subject`.
    pub fn public_id(&self, subject: &UserId) -> PublicUserId {
        let mut mac = self.mac.clone();
        mac.update(b"craftbean-user:");
        mac.update(subject.as_str().as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut bits = [0u8; 16];
        bits.copy_from_slice(&digest[..16]);
        PublicUserId::from_entropy(u128::from_be_bytes(bits))
    }

    /// The pseudonymous id under which `partner` knows `user`: 16 base-36 characters of the
    /// same keyed hash over the partner and the public id (domain-separated from
    /// [`UserKeys::public_id`]). Stable, different for every partner, and unlinkable to the
    /// public id without the secret; the partner learns it only through a consent.
    pub fn partner_user_id(&self, partner: &PartnerId, user: &PublicUserId) -> PartnerUserId {
        let mut mac = self.mac.clone();
        mac.update(b"craftbean-partner-user:");
        mac.update(partner.as_str().as_bytes());
        mac.update(b":");
        mac.update(user.as_str().as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut bits = [0u8; 16];
        bits.copy_from_slice(&digest[..16]);
        PartnerUserId::from_entropy(u128::from_be_bytes(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> UserKeys {
        UserKeys::new(secret.as_bytes()).unwrap_or_else(|_| panic!("test secret too short"))
    }

    #[test]
    fn ids_are_stable_per_subject_and_secret_and_hide_the_subject() {
        let a = keys("an example secret that is long enough!!");
        let b = keys("another secret, also long enough to key");
        let sub =
            UserId::parse("3f1c9a2e-7b1d-4c5e-9f00-1a2b3c4d5e6f").unwrap_or_else(|_| panic!());
        let other = UserId::parse("ana").unwrap_or_else(|_| panic!());
        assert_eq!(a.public_id(&sub), a.public_id(&sub));
        assert_ne!(a.public_id(&sub), a.public_id(&other));
        assert_ne!(a.public_id(&sub), b.public_id(&sub));
        let id = a.public_id(&sub);
        assert!(id.as_str().starts_with("usr_"));
        assert!(!id.as_str().contains("3f1c"));
        assert_eq!(PublicUserId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn partner_user_ids_differ_per_partner_and_hide_the_public_id() {
        let a = keys("an example secret that is long enough!!");
        let user = PublicUserId::from_entropy(77);
        let (p1, p2) = (PartnerId::from_entropy(1), PartnerId::from_entropy(2));
        let id = a.partner_user_id(&p1, &user);
        assert_eq!(id, a.partner_user_id(&p1, &user));
        assert_ne!(id, a.partner_user_id(&p2, &user));
        assert_ne!(id, a.partner_user_id(&p1, &PublicUserId::from_entropy(78)));
        assert!(id.as_str().starts_with("pu_"));
        assert!(!id.as_str().contains(&user.as_str()[4..]));
        let public = a.public_id(&UserId::parse("x").unwrap_or_else(|_| panic!()));
        assert_ne!(&id.as_str()[3..], &public.as_str()[4..]);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(UserKeys::new(b"short").is_err());
    }
}
