//! The recommendations job: recomputes every user's recommendations from the store
//! ([`shared::maintenance::refresh_recommendations`]: reviews, saves and stories through the
//! recommender in `shared::reco`) and stores each user's list whole, so that
//! `GET /partner/v1/users/{partnerUserId}/recommendations` costs two `GetItem`s. In AWS an
//! EventBridge schedule invokes it every six hours (template.yaml `RefreshRecommendationsSchedule`);
//! locally `xtask reco-refresh` runs the same function, and the local server runs it when it
//! seeds.
//!
//! No Scan: the café list, each café's profile and reviews, the stories and the saves are read
//! with `Query` and `GetItem`. A run that fails part-way leaves every list it did not reach as the
//! previous run wrote it (each user's list is replaced by one put), and the next run starts over.

use jiff::Timestamp;
use serde::Serialize;
use shared::ports::{
    CafeReader, RecommendationStore, ReviewReader, SavedCafeStore, StoreError, StoryReader,
};

/// What the job needs: the store.
pub struct Deps<S> {
    pub store: S,
}

/// What one run did (the invocation's result, also logged).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refreshed {
    /// Users whose recommendations were written.
    pub users: usize,
    /// The instant the lists are stamped with (`computedAt` on the partner route).
    #[serde(with = "shared::domain::time::rfc3339_millis")]
    pub computed_at: Timestamp,
}

/// Recomputes and stores every user's recommendations as of `now` (stored to the millisecond).
pub async fn refresh<S>(deps: &Deps<S>, now: Timestamp) -> Result<Refreshed, StoreError>
where
    S: CafeReader + ReviewReader + StoryReader + SavedCafeStore + RecommendationStore,
{
    let users = shared::maintenance::refresh_recommendations(&deps.store, now).await?;
    tracing::info!(users, "recommendations refreshed");
    Ok(Refreshed {
        users,
        computed_at: now,
    })
}

/// Handles one scheduled invocation (the EventBridge event carries nothing the job needs).
pub async fn handle<S>(deps: &Deps<S>, _event: serde_json::Value) -> Result<Refreshed, StoreError>
where
    S: CafeReader + ReviewReader + StoryReader + SavedCafeStore + RecommendationStore,
{
    refresh(deps, shared::domain::time::now_millis()).await
}
