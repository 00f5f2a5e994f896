//! `DELETE /photos/{photoId}`: the uploader deletes a photo (204). Anyone else gets a 403.
//!
//! The café's cover falls back to its next newest ready photo (or none) if it was this one;
//! then one atomic write deletes the photo and its list entries and queues its media for the
//! photo sweep of the region that serves them ([`MediaPurge`]), which deletes the renditions
//! from that region's media bucket and invalidates their CDN paths, in a batch, within minutes.
//! So this route needs nothing but the store: no S3 or CloudFront client to start
//! (docs/coldstart.md), no CloudFront rate limit or outage in the request path, and a photo
//! deleted through one region's API is purged where its renditions live. Every step is
//! idempotent and the record goes last, so a request that fails half-way can be retried to
//! completion by the same author.

use lambda_http::{Body, Request, Response};
use shared::domain::{CoverPhoto, MediaPurge, Photo, PhotoId, PhotoStatus};
use shared::http::photos::uploaded_photo;
use shared::http::routes::DELETE_PHOTO;
use shared::http::{Query, Reply, caller, serve};
use shared::ports::{CoverWriter, PhotoReader, PhotoWriter, StoreError};
use shared::query::PageLimit;

/// What the handler needs: the photo store (which also keeps covers and the purge queue).
pub struct Deps<S> {
    pub store: S,
    /// The user-id hash (the uploader is named by public id).
    pub users: shared::identity::UserKeys,
}

/// The café's next newest ready photo other than `removed`, as a cover. Reads two entries: the
/// index may still list the photo being removed.
async fn next_cover<S: PhotoReader>(
    store: &S,
    removed: &Photo,
) -> Result<Option<CoverPhoto>, StoreError> {
    let limit = PageLimit::new(2).unwrap_or_default();
    let page = store
        .list_cafe_photos(&removed.cafe_id, limit, None)
        .await?;
    Ok(page
        .items
        .iter()
        .filter(|p| p.id != removed.id)
        .find_map(CoverPhoto::of))
}

/// Handles one request.
pub async fn handle<S>(deps: &Deps<S>, req: Request) -> Response<Body>
where
    S: PhotoReader + PhotoWriter + CoverWriter,
{
    serve(req, &DELETE_PHOTO, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("photoId", PhotoId::parse)?;
        let photo = uploaded_photo(&deps.store, &id, &user, "delete it").await?;
        if photo.status == PhotoStatus::Ready {
            let next = next_cover(&deps.store, &photo).await?;
            deps.store
                .withdraw_cover(&photo.cafe_id, &photo.id, next)
                .await?;
        }
        let purge = MediaPurge::of(&photo, jiff::Timestamp::now());
        deps.store.delete_photo(&photo, purge.as_ref()).await?;
        tracing::info!(
            photo_id = %photo.id,
            renditions = purge.as_ref().map_or(0, |p| p.names.len()),
            "photo deleted; media queued for purge"
        );
        Ok(Reply::no_content())
    })
    .await
}
