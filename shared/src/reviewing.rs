//! Review use cases shared by the review write functions (`create-review`, `update-review`,
//! `delete-review`) and account erasure: who may change a review, and keeping the café's
//! stored rating in step with its reviews. Free of HTTP; the routes map [`AccessError`] to
//! 404/403 problems.

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

/// Copies the exact rating summary into the café's stored profile and list entries, so `sort=
/// rating` and list items follow reviews. Best effort: the review is already stored, and the
/// profile endpoint computes the summary on read, so a failure here is logged, not returned.
pub async fn refresh_cafe_rating<S>(store: &S, cafe: &crate::domain::CafeId)
where
    S: crate::ports::CafeReader + crate::ports::CatalogWriter + crate::ports::ReviewReader,
{
    let result = async {
        let summary = store.rating_summary(cafe).await?;
        if let Some(mut profile) = store.get_cafe(cafe).await?
            && profile.rating != summary
        {
            profile.rating = summary;
            store.put_cafe(&profile).await?;
        }
        Ok::<(), crate::ports::StoreError>(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, cafe_id = %cafe, "could not refresh the café's stored rating");
    }
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
