//! Partner operations for ops tools (`xtask partner …`), written once over the partner ports so
//! they run the same against the local store and DynamoDB: create a partner, issue or rotate
//! its key (the old one valid for a grace period), set its tier, suspend, resume, delete, and
//! price a month of metered usage per tier. No HTTP, no AWS types.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::domain::PartnerId;
use crate::domain::partner::{
    ApiKeySecret, KeyRecord, Limits, Partner, PartnerError, PartnerStatus, Tier,
};
use crate::ports::{Meter, PartnerStore, PartnerWriteError, StoreError};

/// Why an operation did nothing.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("no partner {0}")]
    NotFound(PartnerId),
    #[error(transparent)]
    Invalid(#[from] PartnerError),
    #[error("the partner changed meanwhile; run the command again")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OpsError {
    fn of(id: &PartnerId) -> impl Fn(PartnerWriteError) -> OpsError + '_ {
        move |e| match e {
            PartnerWriteError::NotFound => OpsError::NotFound(id.clone()),
            PartnerWriteError::Conflict => OpsError::Conflict,
            PartnerWriteError::Store(e) => OpsError::Store(e),
        }
    }
}

/// A new, active partner named `name` on `tier`'s default limits, with a random id.
pub async fn create<S: PartnerStore>(
    store: &S,
    name: &str,
    tier: Tier,
    now: Timestamp,
) -> Result<Partner, OpsError> {
    let id = PartnerId::from_entropy(uuid::Uuid::new_v4().as_u128());
    let partner = Partner::new(id, name, tier, now)?;
    store
        .create_partner(&partner)
        .await
        .map_err(OpsError::of(&partner.id))?;
    Ok(partner)
}

/// Issues a new key for `partner`; the caller shows it once. With `grace`, this is a rotation:
/// every other key of the partner stays valid for `grace` more, then is refused (a zero grace
/// retires them at once).
pub async fn issue_key<S: PartnerStore>(
    store: &S,
    partner: &PartnerId,
    grace: Option<SignedDuration>,
    now: Timestamp,
) -> Result<ApiKeySecret, OpsError> {
    let key = ApiKeySecret::generate();
    let record = KeyRecord {
        key_id: key.id().clone(),
        partner_id: partner.clone(),
        hash: key.hash(),
        created_at: now,
        valid_until: None,
    };
    let retire = grace.map(|g| now.saturating_add(g).unwrap_or(now));
    store
        .add_key(&record, retire)
        .await
        .map_err(OpsError::of(partner))?;
    Ok(key)
}

async fn change<S: PartnerStore>(
    store: &S,
    id: &PartnerId,
    edit: impl FnOnce(&mut Partner),
) -> Result<Partner, OpsError> {
    let mut partner = store
        .get_partner(id)
        .await?
        .ok_or_else(|| OpsError::NotFound(id.clone()))?;
    edit(&mut partner);
    store
        .update_partner(&partner)
        .await
        .map_err(OpsError::of(id))?;
    Ok(partner)
}

/// Moves a partner to `tier`, with `limits` (an enterprise agreement) or the tier's defaults.
pub async fn set_tier<S: PartnerStore>(
    store: &S,
    id: &PartnerId,
    tier: Tier,
    limits: Option<Limits>,
) -> Result<Partner, OpsError> {
    change(store, id, |p| {
        p.tier = tier;
        p.limits = limits.unwrap_or_else(|| tier.default_limits());
    })
    .await
}

/// Suspends (every key answers 403) or reactivates a partner.
pub async fn set_status<S: PartnerStore>(
    store: &S,
    id: &PartnerId,
    status: PartnerStatus,
) -> Result<Partner, OpsError> {
    change(store, id, |p| p.status = status).await
}

/// One line of a monthly bill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillLine {
    pub partner: Partner,
    pub billed: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    pub amount_cents: u64,
}

/// Prices the calendar month (UTC) that starts on `month` for every partner, by its current
/// tier, ordered by tier then name: one `Query` of the partner list and one per partner.
pub async fn bill_month<S: PartnerStore + Meter>(
    store: &S,
    month: Date,
) -> Result<Vec<BillLine>, OpsError> {
    let first = month.first_of_month();
    let last = first.last_of_month();
    let mut lines = Vec::new();
    for partner in store.list_partners().await? {
        let rows = store.usage(&partner.id, first, last).await?;
        let (mut billed, mut client_errors, mut server_errors) = (0, 0, 0);
        for row in rows {
            billed += row.billed;
            client_errors += row.client_errors;
            server_errors += row.server_errors;
        }
        lines.push(BillLine {
            amount_cents: partner.tier.price().month_cents(billed),
            partner,
            billed,
            client_errors,
            server_errors,
        });
    }
    lines.sort_by(|a, b| {
        let rank = |t: Tier| Tier::ALL.iter().position(|x| *x == t);
        (rank(a.partner.tier), &a.partner.name).cmp(&(rank(b.partner.tier), &b.partner.name))
    });
    Ok(lines)
}
