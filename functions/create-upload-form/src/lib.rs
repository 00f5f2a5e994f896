//! `POST /photos/{photoId}/upload-form`: the uploader of a `pending` photo gets a fresh upload
//! target (the one from the announcement lasts ten minutes; a replayed announcement returns
//! that same, possibly expired, target). 403 for anyone else, 409 once the photo is ready or
//! failed, or when a new target would outlive the photo's upload deadline (24 h after the
//! announcement, when the sweep fails it as `never-uploaded`).

use jiff::{SignedDuration, Timestamp};
use lambda_http::{Body, Request, Response};
use shared::domain::{PhotoId, PhotoStatus};
use shared::http::photos::uploaded_photo;
use shared::http::routes::CREATE_UPLOAD_FORM;
use shared::http::{ApiError, CachePolicy, Query, Reply, caller, serve};
use shared::ports::{PhotoReader, UploadSigner};
use shared::upload::UPLOAD_TTL_SECONDS;

/// What the handler needs: photos and the upload signer.
pub struct Deps<S, U> {
    pub store: S,
    pub uploads: U,
    /// The user-id hash (the uploader is named by public id).
    pub users: shared::identity::UserKeys,
}

/// Handles one request.
pub async fn handle<S, U>(deps: &Deps<S, U>, req: Request) -> Response<Body>
where
    S: PhotoReader,
    U: UploadSigner,
{
    serve(req, &CREATE_UPLOAD_FORM, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("photoId", PhotoId::parse)?;
        let photo = uploaded_photo(&deps.store, &id, &user, "upload its file").await?;
        if photo.status != PhotoStatus::Pending {
            return Err(ApiError::Conflict(format!(
                "the photo is {} (only a pending photo takes an upload)",
                match photo.status {
                    PhotoStatus::Ready => "ready",
                    _ => "failed",
                }
            )));
        }
        let now = Timestamp::now();
        // A target must expire before the deadline, so the sweep never fails a photo whose
        // upload is still allowed.
        let expires = now
            .checked_add(SignedDuration::from_secs(UPLOAD_TTL_SECONDS))
            .unwrap_or(Timestamp::MAX);
        if expires > photo.upload_deadline() {
            return Err(ApiError::Conflict(format!(
                "the photo's upload deadline ({}) is too close; announce it again",
                photo.upload_deadline()
            )));
        }
        let upload = deps
            .uploads
            .upload_target(
                &photo.upload_key(),
                photo.content_type,
                photo.content_length,
                now,
            )
            .await?;
        tracing::info!(photo_id = %photo.id, "fresh upload form");
        Reply::json(&upload, CachePolicy::NoStore)
    })
    .await
}
