//! Stories over [`ItemTable`]: one profile item plus a list entry per dimension (all, each
//! linked café, each tag), written in one transaction and listed newest first.

use tracing::instrument;

use super::catalog::read_page;
use super::keys;
use super::table::{Condition, Item, ItemTable, SortIndex, TransactError, Write};
use crate::domain::{Story, StoryId};
use crate::ports::{StoreError, StoryFilter, StoryReader, StoryWriter};
use crate::query::{Page, PageKey, PageLimit};

fn dims(story: &Story) -> Vec<String> {
    let mut dims = vec![keys::ALL.to_owned()];
    dims.extend(story.cafe_ids.iter().map(|c| format!("CAFE#{c}")));
    dims.extend(story.tags.iter().map(|t| format!("TAG#{t}")));
    dims.sort();
    dims.dedup();
    dims
}

impl<S: ItemTable> StoryReader for S {
    #[instrument(skip_all, fields(limit = limit.get()))]
    async fn list_stories(
        &self,
        filter: &StoryFilter,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<Story>, StoreError> {
        // Read the café's list when both filters are given (a café has fewer stories than a
        // popular tag) and check the tag on each story.
        let dim = match (&filter.cafe, &filter.tag) {
            (Some(cafe), _) => format!("CAFE#{cafe}"),
            (None, Some(tag)) => format!("TAG#{tag}"),
            (None, None) => keys::ALL.to_owned(),
        };
        let residual = filter.cafe.is_some() && filter.tag.is_some();
        read_page(
            self,
            SortIndex::ByNewest,
            &keys::stories_lpk(&dim),
            after.as_ref(),
            limit,
            residual,
            |s: &Story| filter.tag.as_ref().is_none_or(|t| s.tags.contains(t)),
        )
        .await
    }

    #[instrument(skip_all, fields(story_id = %id))]
    async fn get_story(&self, id: &StoryId) -> Result<Option<Story>, StoreError> {
        super::catalog::profile(self, keys::story_pk(id)).await
    }
}

impl<S: ItemTable> StoryWriter for S {
    #[instrument(skip_all, fields(story_id = %story.id))]
    async fn create_story(&self, story: &Story) -> Result<(), StoreError> {
        let pk = keys::story_pk(&story.id);
        let doc = serde_json::to_string(story).map_err(|source| StoreError::Corrupt {
            pk: pk.clone(),
            sk: keys::PROFILE_SK.to_owned(),
            source,
        })?;
        let newest = keys::by_newest(story.created_at, story.id.as_str());
        let mut writes = vec![Write::Put {
            item: Item::plain(pk.clone(), keys::PROFILE_SK, doc.clone()),
            condition: Condition::Absent,
        }];
        for dim in dims(story) {
            writes.push(Write::Put {
                item: Item {
                    lpk: Some(keys::stories_lpk(&dim)),
                    by_newest: Some(newest.clone()),
                    by_cell: None,
                    ..Item::plain(pk.clone(), keys::list_sk(&dim), doc.clone())
                },
                condition: Condition::Always,
            });
        }
        self.transact(writes).await.map_err(|e| match e {
            TransactError::Store(e) => e,
            TransactError::ConditionFailed { .. } => StoreError::Backend {
                operation: "create_story",
                source: "a story with this id already exists".into(),
            },
        })
    }
}
