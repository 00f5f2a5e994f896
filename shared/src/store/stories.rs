//! Stories over [`ItemTable`]: one profile item plus a list entry per dimension (all, the
//! author, each linked café, each tag), written in one transaction and listed newest first.
//! Edits and deletions move or remove the list entries in the same transaction, guarded by the
//! profile's version.

use tracing::instrument;

use super::doc::{encode, gone, read_page, stored_as};
use super::keys;
use super::table::{Condition, Item, ItemTable, SortIndex, SortKeys, TransactError, Write};
use crate::domain::{Story, StoryId};
use crate::ports::{StoreError, StoryFilter, StoryReader, StoryWriteError, StoryWriter};
use crate::query::{Page, PageKey, PageLimit};

fn dims(story: &Story) -> Vec<String> {
    let mut dims = vec![keys::ALL.to_owned(), keys::story_user_dim(&story.author_id)];
    dims.extend(story.cafe_ids.iter().map(keys::story_cafe_dim));
    dims.extend(story.tags.iter().map(keys::story_tag_dim));
    dims.sort();
    dims.dedup();
    dims
}

/// The profile and every list entry of `story`, all carrying its version.
pub(super) fn story_items(story: &Story) -> Result<Vec<Item>, StoreError> {
    let pk = keys::story_pk(&story.id);
    let doc = encode(&pk, keys::PROFILE_SK, story)?;
    let newest = keys::by_newest(story.created_at, story.id.as_str());
    let mut items = vec![Item {
        version: Some(story.version()),
        ..Item::plain(pk.clone(), keys::PROFILE_SK, doc.clone())
    }];
    for dim in dims(story) {
        items.push(Item {
            lpk: Some(keys::stories_lpk(&dim)),
            sort: SortKeys::one(SortIndex::ByNewest, newest.clone()),
            ..Item::plain(pk.clone(), keys::list_sk(&dim), doc.clone())
        });
    }
    Ok(items)
}

/// The version condition on a story's profile as it was read. Stories written before
/// versions existed carry none; their first edit is checked against their existence only.
fn as_read(story: &Story) -> Condition {
    if story.updated_at.is_some() {
        Condition::VersionIs(story.version())
    } else {
        Condition::Always
    }
}

fn conflict(operation: &'static str) -> impl FnOnce(TransactError) -> StoryWriteError {
    move |e| match e {
        TransactError::Store(e) => StoryWriteError::Store(e),
        TransactError::ConditionFailed { .. } => {
            tracing::debug!(operation, "story changed since it was read");
            StoryWriteError::Conflict
        }
    }
}

impl<S: ItemTable> StoryReader for S {
    #[instrument(skip_all, fields(limit = limit.get()))]
    async fn list_stories(
        &self,
        filter: &StoryFilter,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<Story>, StoreError> {
        // Read the narrowest list the filter names (an author or a café has fewer stories
        // than a popular tag) and check the other filters on each story.
        let dim = match (&filter.author, &filter.cafe, &filter.tag) {
            (Some(author), _, _) => keys::story_user_dim(author),
            (None, Some(cafe), _) => keys::story_cafe_dim(cafe),
            (None, None, Some(tag)) => keys::story_tag_dim(tag),
            (None, None, None) => keys::ALL.to_owned(),
        };
        let named = [
            filter.author.is_some(),
            filter.cafe.is_some(),
            filter.tag.is_some(),
        ];
        let residual = named.iter().filter(|n| **n).count() > 1;
        read_page(
            self,
            SortIndex::ByNewest,
            &keys::stories_lpk(&dim),
            after.as_ref(),
            limit,
            residual,
            |s: &Story| {
                filter.tag.as_ref().is_none_or(|t| s.tags.contains(t))
                    && filter.cafe.as_ref().is_none_or(|c| s.cafe_ids.contains(c))
                    && filter.author.as_ref().is_none_or(|a| &s.author_id == a)
            },
        )
        .await
    }

    #[instrument(skip_all, fields(story_id = %id))]
    async fn get_story(&self, id: &StoryId) -> Result<Option<Story>, StoreError> {
        super::doc::profile(self, keys::story_pk(id)).await
    }
}

impl<S: ItemTable> StoryWriter for S {
    #[instrument(skip_all, fields(story_id = %story.id))]
    async fn create_story(&self, story: &Story) -> Result<(), StoreError> {
        let items = story_items(story)?;
        let profile = items.first().cloned();
        let writes = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| Write::Put {
                item,
                condition: if i == 0 {
                    Condition::Absent
                } else {
                    Condition::Always
                },
            })
            .collect();
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactError::Store(e)) => Err(e),
            Err(TransactError::ConditionFailed { .. }) => match &profile {
                // Our own earlier attempt committed (its response was lost): done.
                Some(item) if stored_as(self, item).await? => Ok(()),
                _ => Err(StoreError::Backend {
                    operation: "create_story",
                    source: "a story with this id already exists".into(),
                }),
            },
        }
    }

    #[instrument(skip_all, fields(story_id = %after.id))]
    async fn update_story(&self, before: &Story, after: &Story) -> Result<(), StoryWriteError> {
        let pk = keys::story_pk(&after.id);
        let items = story_items(after)?;
        let profile = items.first().cloned();
        let mut writes: Vec<Write> = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| Write::Put {
                item,
                condition: if i == 0 {
                    as_read(before)
                } else {
                    Condition::Always
                },
            })
            .collect();
        let kept = dims(after);
        for dim in dims(before).into_iter().filter(|d| !kept.contains(d)) {
            writes.push(Write::Delete {
                pk: pk.clone(),
                sk: keys::list_sk(&dim),
                condition: Condition::Always,
            });
        }
        let result = self.transact(writes).await;
        if let (Err(TransactError::ConditionFailed { .. }), Some(item)) = (&result, &profile)
            && stored_as(self, item).await?
        {
            // Our own earlier attempt committed this very edit.
            return Ok(());
        }
        result.map_err(conflict("update_story"))
    }

    #[instrument(skip_all, fields(story_id = %story.id))]
    async fn delete_story(&self, story: &Story) -> Result<(), StoryWriteError> {
        let pk = keys::story_pk(&story.id);
        let mut writes = vec![Write::Delete {
            pk: pk.clone(),
            sk: keys::PROFILE_SK.to_owned(),
            condition: as_read(story),
        }];
        for dim in dims(story) {
            writes.push(Write::Delete {
                pk: pk.clone(),
                sk: keys::list_sk(&dim),
                condition: Condition::Always,
            });
        }
        let result = self.transact(writes).await;
        if matches!(result, Err(TransactError::ConditionFailed { .. }))
            && gone(self, &pk, keys::PROFILE_SK).await?
        {
            // Already gone: our own earlier attempt (or another delete) removed it.
            return Ok(());
        }
        result.map_err(conflict("delete_story"))
    }
}
