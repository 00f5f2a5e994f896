//! Bulk loading of people and their content (the demo data) into a store that does not hold
//! them yet: the same items the write paths produce, written with `put_items`, and each café's
//! rating counts added to one shard in small transactions. Not atomic; for seeding only.

use std::collections::BTreeMap;

use super::table::{Condition, Item, ItemTable, TransactError, Write};
use super::{keys, reviews, stories, users};
use crate::domain::{CafeId, PublicUserId, Review, SavedCafe, Story, UserProfile};
use crate::ports::StoreError;

/// People and content to load at once.
#[derive(Clone, Copy, Debug, Default)]
pub struct PeopleBatch<'a> {
    pub users: &'a [UserProfile],
    pub reviews: &'a [Review],
    pub stories: &'a [Story],
    pub saved: &'a [(PublicUserId, SavedCafe)],
}

/// Loads `batch` into `table`. The reviews' counts go to the rating shard of `region`, so the
/// rating summary (the sum of every region's shard) is exact after the load. Loading the same
/// batch again rewrites the same items and leaves existing shards alone (each shard is
/// created only if absent), so counts are never doubled.
pub async fn import_people<T: ItemTable>(
    table: &T,
    region: &str,
    batch: &PeopleBatch<'_>,
) -> Result<(), StoreError> {
    let mut items: Vec<Item> = Vec::new();
    for user in batch.users {
        items.push(users::profile_item(user)?);
    }
    let mut histograms: BTreeMap<&CafeId, [i64; 5]> = BTreeMap::new();
    for review in batch.reviews {
        items.push(reviews::review_item(review)?);
        items.push(reviews::user_list_item(review)?);
        items.push(reviews::reviewer_item(review)?);
        histograms.entry(&review.cafe_id).or_default()[review.rating.bucket()] += 1;
    }
    for story in batch.stories {
        items.extend(stories::story_items(story)?);
    }
    for (user, saved) in batch.saved {
        items.push(users::saved_item(user, saved)?);
    }
    table.put_items(items).await?;

    let adds: Vec<Write> = histograms
        .into_iter()
        .map(|(cafe, histogram)| Write::Add {
            pk: keys::ratings_pk(cafe),
            sk: keys::shard_sk(region),
            deltas: reviews::HISTOGRAM
                .iter()
                .zip(histogram)
                .filter(|(_, n)| *n != 0)
                .map(|(name, n)| (*name, n))
                .collect(),
            expires_at: None,
            condition: Condition::Absent,
        })
        .collect();
    for add in adds {
        match table.transact(vec![add]).await {
            // Already loaded: the shard holds these counts.
            Ok(()) | Err(TransactError::ConditionFailed { .. }) => {}
            Err(TransactError::Store(e)) => return Err(e),
        }
    }
    Ok(())
}
