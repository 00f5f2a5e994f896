//! Review use cases shared by the review write functions (`create-review`, `update-review`,
//! `delete-review`) and account erasure: who may change a review. Free of HTTP; the routes map
//! [`AccessError`] to 404/403 problems. A review write never touches the café: the rating its
//! items show converges from the shards through [`crate::ports::RatingWriter`] (the
//! `refresh-ratings` stream consumer in AWS, the local server in process).

use crate::ports::StoreError;

/// Why a caller may not change a resource.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{resource} {id} does not exist")]
    NotFound { resource: &'static str, id: String },
    #[error("only the {resource}'s author may {action} it")]
    NotAuthor {
        resource: &'static str,
        action: &'static str,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The review `id` as stored, if `user` wrote it: 404 when it does not exist, 403 when someone
/// else wrote it.
pub async fn authored_review<R: crate::ports::ReviewReader>(
    reviews: &R,
    id: &crate::domain::ReviewId,
    user: &crate::domain::PublicUserId,
    action: &'static str,
) -> Result<crate::domain::Review, AccessError> {
    let review = reviews
        .get_review(id)
        .await?
        .ok_or_else(|| AccessError::NotFound {
            resource: "review",
            id: id.to_string(),
        })?;
    if &review.author_id != user {
        return Err(AccessError::NotAuthor {
            resource: "review",
            action,
        });
    }
    Ok(review)
}
