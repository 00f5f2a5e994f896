//! API Gateway's side of a partner's keys, for `xtask partner … --usage-plans
//! free=ID,standard=ID,enterprise=ID` (the stack output `PartnerUsagePlans`): the partner REST
//! API requires a key it knows (`ApiKeyRequired`) and throttles it by its usage plan, so every
//! key our store issues also exists as an API Gateway API key **with the same value**, in the
//! usage plan of the partner's tier. Each is named `<partnerId>/<keyId>` with the partner as
//! customer id, so a partner's keys are found by name. Our store stays the source of truth:
//! the partner gate checks every key again, so the edge only ever admits a superset.

use anyhow::{Context, bail};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use shared::domain::ApiKeyId;
use shared::domain::PartnerId;
use shared::domain::partner::{ApiKeySecret, Partner, PartnerStatus, Tier};

/// The usage plan of each tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsagePlans {
    pub free: String,
    pub standard: String,
    pub enterprise: String,
}

impl UsagePlans {
    /// Parses `free=ID,standard=ID,enterprise=ID` (any order, each tier once).
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let (mut free, mut standard, mut enterprise) = (None, None, None);
        for part in raw.split(',') {
            let (tier, id) = part
                .split_once('=')
                .with_context(|| format!("--usage-plans: {part:?} is not TIER=ID"))?;
            if id.is_empty() {
                bail!("--usage-plans: {tier} has no plan id");
            }
            let slot = match Tier::parse(tier)? {
                Tier::Free => &mut free,
                Tier::Standard => &mut standard,
                Tier::Enterprise => &mut enterprise,
            };
            if slot.replace(id.to_owned()).is_some() {
                bail!("--usage-plans: {tier} given twice");
            }
        }
        match (free, standard, enterprise) {
            (Some(free), Some(standard), Some(enterprise)) => Ok(Self {
                free,
                standard,
                enterprise,
            }),
            _ => bail!("--usage-plans needs free=ID,standard=ID,enterprise=ID"),
        }
    }

    /// The plan of `tier`.
    pub fn of(&self, tier: Tier) -> &str {
        match tier {
            Tier::Free => &self.free,
            Tier::Standard => &self.standard,
            Tier::Enterprise => &self.enterprise,
        }
    }

    fn all(&self) -> [&str; 3] {
        [&self.free, &self.standard, &self.enterprise]
    }
}

/// API Gateway keys and usage-plan keys of partners.
pub struct EdgeKeys {
    pub client: Client,
    pub plans: UsagePlans,
}

/// The API Gateway key's name for one of our keys.
pub fn key_name(partner: &PartnerId, key: &ApiKeyId) -> String {
    format!("{partner}/{key}")
}

impl EdgeKeys {
    /// Creates the API Gateway key of `key` (same value; enabled unless the partner is
    /// suspended) in the usage plan of the partner's tier. Returns API Gateway's key id.
    pub async fn create(&self, partner: &Partner, key: &ApiKeySecret) -> anyhow::Result<String> {
        let created = self
            .client
            .create_api_key()
            .name(key_name(&partner.id, key.id()))
            .value(key.expose())
            .customer_id(partner.id.as_str())
            .description(format!(
                "CraftBean partner {} ({})",
                partner.name, partner.id
            ))
            .enabled(partner.status == PartnerStatus::Active)
            .send()
            .await
            .context("API Gateway CreateApiKey")?;
        let id = created
            .id()
            .context("CreateApiKey returned no id")?
            .to_owned();
        self.client
            .create_usage_plan_key()
            .usage_plan_id(self.plans.of(partner.tier))
            .key_id(&id)
            .key_type("API_KEY")
            .send()
            .await
            .context("API Gateway CreateUsagePlanKey")?;
        Ok(id)
    }

    /// API Gateway's (key id, name) of each key of `partner`.
    pub async fn keys_of(&self, partner: &PartnerId) -> anyhow::Result<Vec<(String, String)>> {
        let prefix = format!("{partner}/");
        let mut out = Vec::new();
        let mut position: Option<String> = None;
        loop {
            let page = self
                .client
                .get_api_keys()
                .name_query(&prefix)
                .limit(500)
                .set_position(position.take())
                .send()
                .await
                .context("API Gateway GetApiKeys")?;
            for item in page.items() {
                if let (Some(id), Some(name)) = (item.id(), item.name())
                    && name.starts_with(&prefix)
                {
                    out.push((id.to_owned(), name.to_owned()));
                }
            }
            match page.position() {
                Some(next) if !page.items().is_empty() => position = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Enables or disables the API Gateway keys of `partner` (only `key`'s when given).
    pub async fn set_enabled(
        &self,
        partner: &PartnerId,
        key: Option<&ApiKeyId>,
        enabled: bool,
    ) -> anyhow::Result<usize> {
        let only = key.map(|k| key_name(partner, k));
        let mut changed = 0;
        for (id, name) in self.keys_of(partner).await? {
            if only.as_ref().is_some_and(|o| *o != name) {
                continue;
            }
            self.client
                .update_api_key()
                .api_key(&id)
                .patch_operations(
                    PatchOperation::builder()
                        .op(Op::Replace)
                        .path("/enabled")
                        .value(enabled.to_string())
                        .build(),
                )
                .send()
                .await
                .context("API Gateway UpdateApiKey")?;
            changed += 1;
        }
        Ok(changed)
    }

    /// Takes API Gateway key `id` out of every tier's plan.
    async fn leave_plans(&self, id: &str) {
        for plan in self.plans.all() {
            // Absent from most plans: API Gateway answers NotFound, which is fine.
            let _ = self
                .client
                .delete_usage_plan_key()
                .usage_plan_id(plan)
                .key_id(id)
                .send()
                .await;
        }
    }

    /// Moves every key of `partner` into the usage plan of `tier` (out of the others).
    pub async fn move_to(&self, partner: &PartnerId, tier: Tier) -> anyhow::Result<usize> {
        let keys = self.keys_of(partner).await?;
        for (id, _) in &keys {
            self.leave_plans(id).await;
            self.client
                .create_usage_plan_key()
                .usage_plan_id(self.plans.of(tier))
                .key_id(id)
                .key_type("API_KEY")
                .send()
                .await
                .context("API Gateway CreateUsagePlanKey")?;
        }
        Ok(keys.len())
    }

    /// Deletes every API Gateway key of `partner`, out of its usage plan first (said
    /// explicitly rather than relying on the deletion to cascade).
    pub async fn delete(&self, partner: &PartnerId) -> anyhow::Result<usize> {
        let keys = self.keys_of(partner).await?;
        for (id, _) in &keys {
            self.leave_plans(id).await;
            self.client
                .delete_api_key()
                .api_key(id)
                .send()
                .await
                .context("API Gateway DeleteApiKey")?;
        }
        Ok(keys.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn usage_plans_parse_every_tier_once() {
        let plans = UsagePlans::parse("standard=b,free=a,enterprise=c").unwrap();
        assert_eq!(plans.of(Tier::Free), "a");
        assert_eq!(plans.of(Tier::Standard), "b");
        assert_eq!(plans.of(Tier::Enterprise), "c");
        for bad in [
            "",
            "free=a,standard=b",
            "free=a,standard=b,enterprise=",
            "free=a,free=b,standard=c,enterprise=d",
            "gold=a,free=b,standard=c,enterprise=d",
            "free",
        ] {
            assert!(UsagePlans::parse(bad).is_err(), "{bad:?}");
        }
    }
}
