//! `DELETE /photos/{photoId}`: the uploader deletes a photo (204). Anyone else gets a 403.
//!
//! Every step is idempotent and the record goes last, so a request that fails half-way can be
//! retried to completion by the same author: the renditions leave the media bucket, the CDN is
//! told to forget them, the café's cover falls back to its next newest ready photo (or none)
//! if it was this one, and finally the photo and its list entry are deleted.

use lambda_http::{Body, Request, Response};
use shared::domain::{CoverPhoto, Photo, PhotoId, PhotoStatus};
use shared::http::photos::uploaded_photo;
use shared::http::routes::DELETE_PHOTO;
use shared::http::{Query, Reply, caller, serve};
use shared::ports::{BlobStore, CdnInvalidator, CoverWriter, PhotoReader, PhotoWriter, StoreError};
use shared::query::PageLimit;

/// What the handler needs: the photo store (which also keeps covers), the media bucket and
/// the CDN.
pub struct Deps<S, M, C> {
    pub store: S,
    pub media: M,
    pub cdn: C,
    /// The user-id hash (the uploader is named by public id).
    pub users: shared::identity::UserKeys,
}

/// The media-bucket object name of a rendition URL (`…/media/<sha256>.<ext>` → `<sha256>.<ext>`),
/// if it has the shape the worker publishes (anything else is left alone).
fn rendition_name(url: &str) -> Option<&str> {
    let name = url.rsplit('/').next()?;
    let (hash, ext) = name.split_once('.')?;
    let hex = hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (hex && matches!(ext, "webp" | "jpeg")).then_some(name)
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
pub async fn handle<S, M, C>(deps: &Deps<S, M, C>, req: Request) -> Response<Body>
where
    S: PhotoReader + PhotoWriter + CoverWriter,
    M: BlobStore,
    C: CdnInvalidator,
{
    serve(req, &DELETE_PHOTO, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("photoId", PhotoId::parse)?;
        let photo = uploaded_photo(&deps.store, &id, &user, "delete it").await?;
        let names: Vec<&str> = photo
            .renditions
            .iter()
            .filter_map(|r| rendition_name(&r.url))
            .collect();
        for name in &names {
            deps.media.delete(&format!("media/{name}")).await?;
        }
        deps.cdn
            .invalidate(names.iter().map(|n| format!("/media/{n}")).collect())
            .await?;
        if photo.status == PhotoStatus::Ready {
            let next = next_cover(&deps.store, &photo).await?;
            deps.store
                .withdraw_cover(&photo.cafe_id, &photo.id, next)
                .await?;
        }
        deps.store.delete_photo(&photo).await?;
        tracing::info!(photo_id = %photo.id, renditions = names.len(), "photo deleted");
        Ok(Reply::no_content())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_published_rendition_names_are_deleted() {
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let url = format!("https://cdn.example/media/{hash}.webp");
        assert_eq!(rendition_name(&url), Some(format!("{hash}.webp").as_str()));
        for bad in [
            "https://cdn.example/media/../uploads/x.webp".to_owned(),
            format!("https://cdn.example/media/{hash}.png"),
            "https://cdn.example/media/ABC.webp".to_owned(),
            String::new(),
        ] {
            assert_eq!(rendition_name(&bad), None, "{bad}");
        }
    }
}
