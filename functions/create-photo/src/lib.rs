//! `POST /cafes/{cafeId}/photos`: an authenticated user announces a photo
//! (`{contentType, contentLength, caption?}`) and gets a pending photo plus an upload target
//! that accepts exactly that file for ten minutes. Honours `Idempotency-Key` and the write
//! limit. The worker (`resize-image`) takes it from there.
//!
//! A replayed announcement (same `Idempotency-Key` and body) answers with the stored response,
//! whose upload target may have expired (`upload.expiresAt`); clients get a fresh one from
//! `POST /photos/{photoId}/upload-form` (`create-upload-form`).

use lambda_http::http::StatusCode;
use lambda_http::http::header::LOCATION;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;
use shared::domain::WriteAction;
use shared::domain::{
    CafeId, MAX_CAPTION_CHARS, MAX_UPLOAD_BYTES, Photo, PhotoId, PhotoStatus, UploadType,
    plain_text,
};
use shared::http::routes::CREATE_PHOTO;
use shared::http::{
    ApiError, CachePolicy, Fields, Query, Reply, WriteGuard, caller, idempotency_key, json_object,
    new_id_entropy, serve,
};
use shared::ports::{
    CafeReader, IdempotencyStore, PhotoReader, PhotoWriter, UploadSigner, UserReader, UserWriter,
    WriteLimiter,
};
use shared::upload::UploadTarget;

/// Fields the body may hold.
pub const FIELDS: &[&str] = &["contentType", "contentLength", "caption"];

/// What the handler needs.
pub struct Deps<S, R, U> {
    /// Cafés (must exist) and photos.
    pub store: S,
    /// Idempotency records and write limits.
    pub guard: WriteGuard<R>,
    /// Mints upload targets.
    pub uploads: U,
    pub users: shared::identity::UserKeys,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    photo: shared::domain::PhotoView,
    upload: UploadTarget,
}

struct Input {
    content_type: UploadType,
    content_length: u64,
    caption: Option<String>,
}

fn parse(req: &Request) -> Result<(Input, Value), ApiError> {
    let json = json_object(req)?;
    let mut f = Fields::new(&json, FIELDS);
    let types: Vec<&str> = UploadType::ALL.iter().map(|t| t.as_str()).collect();
    let content_type = f.required(&json, "contentType", |v| {
        v.as_str()
            .and_then(UploadType::parse)
            .ok_or_else(|| format!("must be one of: {}", types.join(", ")))
    });
    let content_length = f.required(&json, "contentLength", |v| {
        v.as_u64()
            .filter(|n| (1..=MAX_UPLOAD_BYTES).contains(n))
            .ok_or_else(|| format!("must be an integer from 1 to {MAX_UPLOAD_BYTES} (15 MiB)"))
    });
    let caption = f.optional(&json, "caption", |v| match v.as_str() {
        Some(s) => plain_text(s, MAX_CAPTION_CHARS, false).map_err(|e| e.to_string()),
        None => Err("must be a string".to_owned()),
    });
    f.finish()?;
    match (content_type, content_length) {
        (Some(content_type), Some(content_length)) => Ok((
            Input {
                content_type,
                content_length,
                caption,
            },
            Value::Object(json),
        )),
        _ => Err(ApiError::InvalidBody(
            "lacks contentType or contentLength".to_owned(),
        )),
    }
}

/// Handles one request.
pub async fn handle<S, R, U>(deps: &Deps<S, R, U>, req: Request) -> Response<Body>
where
    S: CafeReader + PhotoReader + PhotoWriter + UserReader + UserWriter,
    R: IdempotencyStore + WriteLimiter,
    U: UploadSigner,
{
    serve(req, &CREATE_PHOTO, |info, req| async move {
        let cafe_id: CafeId = info.parse_path("cafeId", CafeId::parse)?;
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let key = idempotency_key(&req)?;
        let now = shared::domain::time::now_millis();
        let (input, payload) = parse(&req)?;
        if deps.store.get_cafe(&cafe_id).await?.is_none() {
            return Err(ApiError::not_found("café", &cafe_id));
        }
        let scope = format!("create-photo#{user}#{cafe_id}");
        let id = PhotoId::from_entropy(new_id_entropy(&user, &scope, key.as_deref()));
        deps.guard.once(key, &scope, &payload, now.as_second(), || async {
            // The id follows from the Idempotency-Key: if this request already announced its
            // photo (its claim expired before it completed, or it ran in another region), that
            // photo is the answer, with a fresh upload form while it waits for its file.
            if let Some(announced) = deps.store.get_photo(&id).await?.filter(|p| p.uploaded_by == user) {
                if announced.status != PhotoStatus::Pending {
                    return Err(ApiError::Conflict(format!(
                        "this request's photo {} is no longer pending; see /photos/{}",
                        announced.id, announced.id
                    )));
                }
                let upload = deps
                    .uploads
                    .upload_target(&announced.upload_key(), announced.content_type, announced.content_length, now)
                    .await?;
                let location = format!("/photos/{}", announced.id);
                let photo = shared::views::photo(&deps.store, &announced).await?;
                return Ok(Reply::json(&Created { photo, upload }, CachePolicy::NoStore)?
                    .with_status(StatusCode::CREATED)
                    .with_header(LOCATION, location));
            }
            let quota = deps.guard.spend(&user, WriteAction::Photos, now).await?;
            deps.store
                .ensure_profile(&shared::domain::UserProfile::first(user.clone(), now))
                .await?;
            let photo = Photo {
                id: id.clone(),
                cafe_id: cafe_id.clone(),
                uploaded_by: user.clone(),
                caption: input.caption,
                content_type: input.content_type,
                content_length: input.content_length,
                status: PhotoStatus::Pending,
                renditions: Vec::new(),
                failure_reason: None,
                created_at: now,
                updated_at: now,
            };
            let upload = deps
                .uploads
                .upload_target(
                    &photo.upload_key(),
                    photo.content_type,
                    photo.content_length,
                    now,
                )
                .await?;
            deps.store.create_photo(&photo).await?;
            tracing::info!(photo_id = %photo.id, cafe_id = %cafe_id, bytes = photo.content_length, "photo announced");
            let location = format!("/photos/{}", photo.id);
            let photo = shared::views::photo(&deps.store, &photo).await?;
            Ok(Reply::json(&Created { photo, upload }, CachePolicy::NoStore)?
                .with_status(StatusCode::CREATED)
                .with_header(LOCATION, location)
                .with_rate_limit(&quota))
        })
        .await
    })
    .await
}
