//! Users' precomputed recommendations ([`RecommendationStore`]) over any [`ItemTable`]: one item
//! in the user's partition (`USER#<publicId>` / `RECOMMENDATIONS`), replaced whole by the job and
//! read with one `GetItem`.

use tracing::instrument;

use super::doc::{decode, encode};
use super::keys;
use super::table::{Condition, Item, ItemTable, Write};
use crate::domain::PublicUserId;
use crate::ports::{RecommendationStore, StoreError};
use crate::reco::UserRecommendations;

impl<S: ItemTable> RecommendationStore for S {
    #[instrument(skip_all, fields(user = %recs.user_id))]
    async fn put_recommendations(&self, recs: &UserRecommendations) -> Result<(), StoreError> {
        let pk = keys::user_pk(&recs.user_id);
        let doc = encode(&pk, keys::RECOMMENDATIONS_SK, recs)?;
        self.put_items(vec![Item::plain(pk, keys::RECOMMENDATIONS_SK, doc)])
            .await
    }

    #[instrument(skip_all, fields(user = %user))]
    async fn recommendations_of(
        &self,
        user: &PublicUserId,
    ) -> Result<Option<UserRecommendations>, StoreError> {
        let pk = keys::user_pk(user);
        match self.get_doc(&pk, keys::RECOMMENDATIONS_SK).await? {
            Some(doc) => decode(&pk, keys::RECOMMENDATIONS_SK, &doc).map(Some),
            None => Ok(None),
        }
    }

    #[instrument(skip_all, fields(user = %user))]
    async fn delete_recommendations(&self, user: &PublicUserId) -> Result<(), StoreError> {
        let writes = vec![Write::Delete {
            pk: keys::user_pk(user),
            sk: keys::RECOMMENDATIONS_SK.to_owned(),
            condition: Condition::Always,
        }];
        self.transact(writes)
            .await
            .map_err(|e| e.unconditional("delete_recommendations"))
    }
}
