//! `GET /photos/{photoId}`: a photo's status (`pending`, `ready`, `failed` with a reason) and,
//! when ready, its renditions on the CDN.

use lambda_http::{Body, Request, Response};
use shared::domain::{PhotoId, PhotoStatus};
use shared::http::photos::existing_photo;
use shared::http::routes::GET_PHOTO;
use shared::http::{CachePolicy, Query, Reply, serve};
use shared::ports::{PhotoReader, UserReader};

/// What the handler needs: a photo reader.
pub struct Deps<S> {
    pub store: S,
}

/// Handles one request.
pub async fn handle<S: PhotoReader + UserReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &GET_PHOTO, |info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("photoId", PhotoId::parse)?;
        let photo = existing_photo(&deps.store, &id).await?;
        // A pending photo changes soon (clients poll it); a finished one never does.
        let cache = match photo.status {
            PhotoStatus::Pending => CachePolicy::NoStore,
            PhotoStatus::Ready | PhotoStatus::Failed => CachePolicy::CATALOGUE,
        };
        Reply::json(&shared::views::photo(&deps.store, &photo).await?, cache)
    })
    .await
}
