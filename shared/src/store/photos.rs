//! Photos over [`ItemTable`]: a versioned profile item, plus a list entry under the café once
//! the photo is ready. Finishing is a conditional write on the version, so a redelivered
//! worker message (or two workers racing) finishes a photo exactly once.

use tracing::instrument;

use super::doc::{decode, encode, read_page, stored_as};
use super::keys;
use super::table::{Condition, Item, ItemTable, SortIndex, SortKeys, TransactError, Write};
use crate::domain::{CafeId, MediaPurge, Photo, PhotoId, PhotoOutcome, PhotoStatus};
use crate::ports::{
    Finish, MediaPurgeQueue, PendingPhotoReader, PhotoReader, PhotoWriter, StoreError,
};
use crate::query::{Page, PageKey, PageLimit};

/// The profile of `photo` at `version`, then its entry in the café's list when it is ready.
pub(super) fn photo_items(photo: &Photo, version: i64) -> Result<Vec<Item>, StoreError> {
    let pk = keys::photo_pk(&photo.id);
    let doc = encode(&pk, keys::PROFILE_SK, photo)?;
    let mut items = vec![Item {
        version: Some(version),
        ..Item::plain(pk.clone(), keys::PROFILE_SK, doc.clone())
    }];
    if photo.status == PhotoStatus::Ready {
        items.push(Item {
            lpk: Some(keys::photos_lpk(&photo.cafe_id)),
            sort: SortKeys::one(
                SortIndex::ByNewest,
                keys::by_newest(photo.created_at, photo.id.as_str()),
            ),
            ..Item::plain(pk, keys::PHOTO_LIST_SK, doc)
        });
    }
    Ok(items)
}

impl<S: ItemTable> PhotoReader for S {
    #[instrument(skip_all, fields(photo_id = %id))]
    async fn get_photo(&self, id: &PhotoId) -> Result<Option<Photo>, StoreError> {
        super::doc::profile(self, keys::photo_pk(id)).await
    }

    #[instrument(skip_all, fields(cafe_id = %cafe, limit = limit.get()))]
    async fn list_cafe_photos(
        &self,
        cafe: &CafeId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<Photo>, StoreError> {
        read_page(
            self,
            SortIndex::ByNewest,
            &keys::photos_lpk(cafe),
            after.as_ref(),
            limit,
            false,
            |_: &Photo| true,
        )
        .await
    }

    #[instrument(skip_all, fields(user = %user))]
    async fn user_photo_ids(
        &self,
        user: &crate::domain::PublicUserId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<PhotoId>, StoreError> {
        super::doc::read_newest(self, &keys::user_photos_lpk(user), after.as_ref(), limit).await
    }
}

impl<S: ItemTable> PendingPhotoReader for S {
    #[instrument(skip_all, fields(limit))]
    async fn overdue_photos(
        &self,
        created_before: jiff::Timestamp,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<Photo>, StoreError> {
        let docs = self
            .query_index(
                SortIndex::ByName,
                &keys::pending_photos_lpk(),
                after.as_ref(),
                limit,
            )
            .await?;
        let mut next = (docs.len() == limit)
            .then(|| docs.last().map(|d| d.key.clone()))
            .flatten();
        let mut items = Vec::with_capacity(docs.len());
        let mut positions = Vec::with_capacity(docs.len());
        for doc in docs {
            let photo: Photo = decode(&doc.key.pk, &doc.key.sk, &doc.doc)?;
            // Oldest first: the first one young enough ends the overdue ones.
            if photo.created_at >= created_before {
                next = None;
                break;
            }
            // The index may lag a finish by a moment: only pending photos are overdue.
            if photo.status == PhotoStatus::Pending {
                items.push(photo);
                positions.push(doc.key);
            }
        }
        Ok(Page {
            items,
            keys: positions,
            next,
        })
    }
}

/// A queued media purge: `PHOTO#<id>` / `PURGE`, listed under its host's purge partition,
/// oldest first.
fn purge_item(purge: &MediaPurge) -> Result<Item, StoreError> {
    let pk = keys::photo_pk(&purge.photo_id);
    Ok(Item {
        lpk: Some(keys::media_purges_lpk(&purge.host)),
        sort: SortKeys::one(
            SortIndex::ByName,
            keys::by_oldest(purge.deleted_at, purge.photo_id.as_str()),
        ),
        ..Item::plain(
            pk.clone(),
            keys::PURGE_SK,
            encode(&pk, keys::PURGE_SK, purge)?,
        )
    })
}

impl<S: ItemTable> MediaPurgeQueue for S {
    #[instrument(skip_all, fields(host, limit))]
    async fn pending_purges(
        &self,
        host: &str,
        limit: usize,
    ) -> Result<Vec<MediaPurge>, StoreError> {
        let docs = self
            .query_index(
                SortIndex::ByName,
                &keys::media_purges_lpk(host),
                None,
                limit,
            )
            .await?;
        docs.iter()
            .map(|d| decode(&d.key.pk, &d.key.sk, &d.doc))
            .collect()
    }

    #[instrument(skip_all, fields(photo_id = %purge.photo_id))]
    async fn purged(&self, purge: &MediaPurge) -> Result<(), StoreError> {
        let delete = Write::Delete {
            pk: keys::photo_pk(&purge.photo_id),
            sk: keys::PURGE_SK.to_owned(),
            condition: Condition::Always,
        };
        self.transact(vec![delete])
            .await
            .map_err(|e| e.unconditional("purged"))
    }
}

impl<S: ItemTable> PhotoWriter for S {
    #[instrument(skip_all, fields(photo_id = %photo.id))]
    async fn create_photo(&self, photo: &Photo) -> Result<(), StoreError> {
        let pk = keys::photo_pk(&photo.id);
        // A pending photo's profile is also its entry in the pending-photos index (the sweep
        // reads it oldest first); finishing rewrites the profile without it.
        let item = Item {
            version: Some(1),
            lpk: Some(keys::pending_photos_lpk()),
            sort: SortKeys::one(
                SortIndex::ByName,
                keys::by_oldest(photo.created_at, photo.id.as_str()),
            ),
            ..Item::plain(
                pk.clone(),
                keys::PROFILE_SK,
                encode(&pk, keys::PROFILE_SK, photo)?,
            )
        };
        // The uploader's list entry (account erasure and export find their photos by it).
        let entry = Item {
            lpk: Some(keys::user_photos_lpk(&photo.uploaded_by)),
            sort: SortKeys::one(
                SortIndex::ByNewest,
                keys::by_newest(photo.created_at, photo.id.as_str()),
            ),
            ..Item::plain(
                pk.clone(),
                keys::USER_LIST_SK,
                encode(&pk, keys::USER_LIST_SK, &photo.id)?,
            )
        };
        match self
            .transact(vec![
                Write::Put {
                    item: item.clone(),
                    condition: Condition::Absent,
                },
                Write::Put {
                    item: entry,
                    condition: Condition::Always,
                },
            ])
            .await
        {
            Ok(()) => Ok(()),
            // Our own earlier attempt committed (its response was lost): done.
            Err(TransactError::ConditionFailed { .. }) if stored_as(self, &item).await? => Ok(()),
            Err(TransactError::ConditionFailed { .. }) => Err(StoreError::Backend {
                operation: "create_photo",
                source: format!("photo {} already exists", photo.id).into(),
            }),
            Err(TransactError::Store(e)) => Err(e),
        }
    }

    #[instrument(skip_all, fields(photo_id = %photo.id, purge = purge.is_some()))]
    async fn delete_photo(
        &self,
        photo: &Photo,
        purge: Option<&MediaPurge>,
    ) -> Result<(), StoreError> {
        let pk = keys::photo_pk(&photo.id);
        let mut writes: Vec<Write> = [keys::PROFILE_SK, keys::PHOTO_LIST_SK, keys::USER_LIST_SK]
            .into_iter()
            .map(|sk| Write::Delete {
                pk: pk.clone(),
                sk: sk.to_owned(),
                condition: Condition::Always,
            })
            .collect();
        if let Some(purge) = purge {
            writes.push(Write::Put {
                item: purge_item(purge)?,
                condition: Condition::Always,
            });
        }
        self.transact(writes)
            .await
            .map_err(|e| e.unconditional("delete_photo"))
    }

    #[instrument(skip_all, fields(photo_id = %photo.id))]
    async fn anonymise_photo(&self, photo: &Photo) -> Result<bool, StoreError> {
        let pk = keys::photo_pk(&photo.id);
        let Some(stored) = self.get_item(&pk, keys::PROFILE_SK).await? else {
            return Ok(true);
        };
        let Some(doc) = stored.doc.as_deref() else {
            return Ok(true);
        };
        let mut current: Photo = decode(&pk, keys::PROFILE_SK, doc)?;
        let version = stored.version.unwrap_or(1);
        current.uploaded_by = crate::domain::former_member();
        let mut writes: Vec<Write> = photo_items(&current, version + 1)?
            .into_iter()
            .enumerate()
            .map(|(i, mut item)| {
                if i == 0 && current.status == PhotoStatus::Pending {
                    // Still in the pending index (the sweep must still find it).
                    item.lpk = Some(keys::pending_photos_lpk());
                    item.sort = SortKeys::one(
                        SortIndex::ByName,
                        keys::by_oldest(current.created_at, current.id.as_str()),
                    );
                }
                Write::Put {
                    item,
                    condition: if i == 0 {
                        Condition::VersionIs(version)
                    } else {
                        Condition::Always
                    },
                }
            })
            .collect();
        writes.push(Write::Delete {
            pk: pk.clone(),
            sk: keys::USER_LIST_SK.to_owned(),
            condition: Condition::Always,
        });
        match self.transact(writes).await {
            Ok(()) => Ok(true),
            Err(TransactError::ConditionFailed { .. }) => Ok(false),
            Err(TransactError::Store(e)) => Err(e),
        }
    }

    #[instrument(skip_all, fields(photo_id = %id))]
    async fn finish_photo(
        &self,
        id: &PhotoId,
        outcome: PhotoOutcome,
        at: jiff::Timestamp,
    ) -> Result<Finish, StoreError> {
        let pk = keys::photo_pk(id);
        let Some(stored) = self.get_item(&pk, keys::PROFILE_SK).await? else {
            return Ok(Finish::Missing);
        };
        let Some(doc) = stored.doc.as_deref() else {
            return Ok(Finish::Missing);
        };
        let mut photo: Photo = decode(&pk, keys::PROFILE_SK, doc)?;
        if photo.status != PhotoStatus::Pending {
            return Ok(Finish::AlreadyFinished);
        }
        let version = stored.version.unwrap_or(1);
        match outcome {
            PhotoOutcome::Ready {
                renditions,
                content_type,
            } => {
                photo.status = PhotoStatus::Ready;
                photo.renditions = renditions;
                photo.content_type = content_type;
            }
            PhotoOutcome::Failed(reason) => {
                photo.status = PhotoStatus::Failed;
                photo.failure_reason = Some(reason);
            }
        }
        photo.updated_at = crate::domain::time::truncate_millis(at);
        let writes = photo_items(&photo, version + 1)?
            .into_iter()
            .enumerate()
            .map(|(i, item)| Write::Put {
                item,
                condition: if i == 0 {
                    Condition::VersionIs(version)
                } else {
                    Condition::Always
                },
            })
            .collect();
        match self.transact(writes).await {
            Ok(()) => Ok(Finish::Done),
            // Another worker finished it between our read and our write.
            Err(TransactError::ConditionFailed { .. }) => Ok(Finish::AlreadyFinished),
            Err(TransactError::Store(e)) => Err(e),
        }
    }
}
