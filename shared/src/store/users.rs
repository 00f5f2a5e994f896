//! People over [`ItemTable`]: profiles (`USER#<id>` / `PROFILE`, versioned by `updatedAt`),
//! the author references read in one batch per page of content, and saved cafés (items in the
//! user's own partition, listed newest first, joined with the cafés' current summaries).

use std::collections::HashMap;

use tracing::instrument;

use super::doc::{decode, encode, read_newest};
use super::keys;
use super::table::{
    Condition, Item, ItemTable, MAX_GET_DOCS, SortIndex, SortKeys, TransactError, Write,
};
use crate::domain::{
    Author, CafeId, CafeSummary, PublicUserId, SavedCafe, SavedCafeView, UserProfile,
};
use crate::ports::{ProfileWriteError, SavedCafeStore, StoreError, UserReader, UserWriter};
use crate::query::{Page, PageKey, PageLimit};

fn version(profile: &UserProfile) -> i64 {
    profile.updated_at.as_microsecond()
}

pub(super) fn profile_item(profile: &UserProfile) -> Result<Item, StoreError> {
    let pk = keys::user_pk(&profile.id);
    let doc = encode(&pk, keys::PROFILE_SK, profile)?;
    Ok(Item {
        version: Some(version(profile)),
        ..Item::plain(pk, keys::PROFILE_SK, doc)
    })
}

/// A saved café: in the user's partition, listed in `SAVED#<user>` newest first.
pub(super) fn saved_item(user: &PublicUserId, saved: &SavedCafe) -> Result<Item, StoreError> {
    let pk = keys::user_pk(user);
    let sk = keys::saved_sk(&saved.cafe_id);
    let doc = encode(&pk, &sk, saved)?;
    Ok(Item {
        lpk: Some(keys::saved_lpk(user)),
        sort: SortKeys::one(
            SortIndex::ByNewest,
            keys::by_newest(saved.saved_at, saved.cafe_id.as_str()),
        ),
        ..Item::plain(pk, sk, doc)
    })
}

impl<S: ItemTable> UserReader for S {
    #[instrument(skip_all, fields(user = %id))]
    async fn get_profile(&self, id: &PublicUserId) -> Result<Option<UserProfile>, StoreError> {
        super::doc::profile(self, keys::user_pk(id)).await
    }

    #[instrument(skip_all, fields(ids = ids.len()))]
    async fn authors(&self, ids: &[PublicUserId]) -> Result<Vec<Author>, StoreError> {
        let mut distinct: Vec<&PublicUserId> = ids.iter().collect();
        distinct.sort();
        distinct.dedup();
        let mut known: HashMap<&PublicUserId, Author> = HashMap::with_capacity(distinct.len());
        for chunk in distinct.chunks(MAX_GET_DOCS) {
            let keys: Vec<(String, String)> = chunk
                .iter()
                .map(|id| (keys::user_pk(id), keys::PROFILE_SK.to_owned()))
                .collect();
            let docs = self.get_docs(keys).await?;
            for (id, doc) in chunk.iter().zip(docs) {
                if let Some(doc) = doc {
                    let profile: UserProfile = decode(&keys::user_pk(id), keys::PROFILE_SK, &doc)?;
                    known.insert(id, profile.author());
                }
            }
        }
        Ok(ids
            .iter()
            .map(|id| {
                known
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| Author::unnamed(id.clone()))
            })
            .collect())
    }
}

impl<S: ItemTable> UserWriter for S {
    #[instrument(skip_all, fields(user = %first.id))]
    async fn ensure_profile(&self, first: &UserProfile) -> Result<UserProfile, StoreError> {
        let put = Write::Put {
            item: profile_item(first)?,
            condition: Condition::Absent,
        };
        match self.transact(vec![put]).await {
            Ok(()) => Ok(first.clone()),
            Err(TransactError::ConditionFailed { .. }) => {
                let pk = keys::user_pk(&first.id);
                match self
                    .get_item(&pk, keys::PROFILE_SK)
                    .await?
                    .and_then(|i| i.doc)
                {
                    Some(doc) => decode(&pk, keys::PROFILE_SK, &doc),
                    // Deleted between the two calls (an account erased meanwhile).
                    None => Err(StoreError::Backend {
                        operation: "ensure_profile",
                        source: "the profile disappeared while it was being created".into(),
                    }),
                }
            }
            Err(TransactError::Store(e)) => Err(e),
        }
    }

    #[instrument(skip_all, fields(user = %after.id))]
    async fn update_profile(
        &self,
        before: &UserProfile,
        after: &UserProfile,
    ) -> Result<(), ProfileWriteError> {
        let put = Write::Put {
            item: profile_item(after)?,
            condition: Condition::VersionIs(version(before)),
        };
        self.transact(vec![put]).await.map_err(|e| match e {
            TransactError::ConditionFailed { .. } => ProfileWriteError::Conflict,
            TransactError::Store(e) => ProfileWriteError::Store(e),
        })
    }

    #[instrument(skip_all, fields(user = %id))]
    async fn delete_profile(&self, id: &PublicUserId) -> Result<(), StoreError> {
        let delete = Write::Delete {
            pk: keys::user_pk(id),
            sk: keys::PROFILE_SK.to_owned(),
            condition: Condition::Always,
        };
        self.transact(vec![delete])
            .await
            .map_err(|e| e.unconditional("delete_profile"))
    }
}

impl<S: ItemTable> SavedCafeStore for S {
    #[instrument(skip_all, fields(user = %user, cafe_id = %saved.cafe_id))]
    async fn save_cafe(&self, user: &PublicUserId, saved: &SavedCafe) -> Result<bool, StoreError> {
        let put = Write::Put {
            item: saved_item(user, saved)?,
            condition: Condition::Absent,
        };
        match self.transact(vec![put]).await {
            Ok(()) => Ok(true),
            Err(TransactError::ConditionFailed { .. }) => Ok(false),
            Err(TransactError::Store(e)) => Err(e),
        }
    }

    #[instrument(skip_all, fields(user = %user, cafe_id = %cafe))]
    async fn unsave_cafe(&self, user: &PublicUserId, cafe: &CafeId) -> Result<(), StoreError> {
        let delete = Write::Delete {
            pk: keys::user_pk(user),
            sk: keys::saved_sk(cafe),
            condition: Condition::Always,
        };
        self.transact(vec![delete])
            .await
            .map_err(|e| e.unconditional("unsave_cafe"))
    }

    #[instrument(skip_all, fields(user = %user))]
    async fn list_saved_cafes_raw(
        &self,
        user: &PublicUserId,
        limit: PageLimit,
    ) -> Result<Vec<CafeId>, StoreError> {
        let page: Page<SavedCafe> = read_newest(self, &keys::saved_lpk(user), None, limit).await?;
        Ok(page.items.into_iter().map(|s| s.cafe_id).collect())
    }

    #[instrument(skip_all, fields(user = %user))]
    async fn list_saved_cafes(
        &self,
        user: &PublicUserId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<SavedCafeView>, StoreError> {
        let page: Page<SavedCafe> =
            read_newest(self, &keys::saved_lpk(user), after.as_ref(), limit).await?;
        // A page holds at most 100 items, so one batch read fetches every summary.
        let summary_keys: Vec<(String, String)> = page
            .items
            .iter()
            .map(|s| keys::cafe_summary_key(&s.cafe_id))
            .collect();
        let docs = if summary_keys.is_empty() {
            Vec::new()
        } else {
            self.get_docs(summary_keys).await?
        };
        let mut items = Vec::with_capacity(page.items.len());
        let mut positions = Vec::with_capacity(page.items.len());
        for ((saved, position), doc) in page.items.into_iter().zip(page.keys).zip(docs) {
            let Some(doc) = doc else { continue };
            let (pk, sk) = keys::cafe_summary_key(&saved.cafe_id);
            let cafe: CafeSummary = decode(&pk, &sk, &doc)?;
            items.push(SavedCafeView {
                saved_at: saved.saved_at,
                cafe,
            });
            positions.push(position);
        }
        Ok(Page {
            items,
            keys: positions,
            next: page.next,
        })
    }
}
