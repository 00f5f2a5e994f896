//! Photo look-ups as the photo routes answer them: 404 when the photo does not exist, 403 when
//! the caller is not its uploader (the twin of `reviews::authored_review`).

use super::ApiError;
use crate::domain::{Photo, PhotoId, PublicUserId};
use crate::ports::PhotoReader;

/// The photo `id`, or 404 `not-found`.
pub async fn existing_photo<S: PhotoReader>(store: &S, id: &PhotoId) -> Result<Photo, ApiError> {
    store
        .get_photo(id)
        .await?
        .ok_or_else(|| ApiError::not_found("photo", id))
}

/// The photo `id` if `user` uploaded it: 404 when it does not exist, 403 when someone else did.
pub async fn uploaded_photo<S: PhotoReader>(
    store: &S,
    id: &PhotoId,
    user: &PublicUserId,
    action: &str,
) -> Result<Photo, ApiError> {
    let photo = existing_photo(store, id).await?;
    // The one authorship check of every photo write route: the token's `sub` against the
    // uploader recorded at announcement.
    if &photo.uploaded_by != user {
        return Err(ApiError::Forbidden(format!(
            "only the photo's uploader may {action}"
        )));
    }
    Ok(photo)
}
