//! What responses show of user content: reviews, stories and photos with their author's public
//! reference (`{id, displayName}`), resolved in one batch read per page.

use crate::domain::{Photo, PhotoView, Review, ReviewView, Story, StoryView};
use crate::ports::{StoreError, UserReader};

/// Each review with its author, in order.
pub async fn reviews<U: UserReader>(
    users: &U,
    reviews: Vec<Review>,
) -> Result<Vec<ReviewView>, StoreError> {
    let ids: Vec<_> = reviews.iter().map(|r| r.author_id.clone()).collect();
    let authors = users.authors(&ids).await?;
    Ok(reviews
        .iter()
        .zip(authors)
        .map(|(review, author)| review.view(author))
        .collect())
}

/// One review with its author.
pub async fn review<U: UserReader>(users: &U, review: &Review) -> Result<ReviewView, StoreError> {
    let author = users
        .authors(std::slice::from_ref(&review.author_id))
        .await?;
    Ok(review.view(first_or_unnamed(author, &review.author_id)))
}

/// Each story with its author, in order.
pub async fn stories<U: UserReader>(
    users: &U,
    stories: Vec<Story>,
) -> Result<Vec<StoryView>, StoreError> {
    let ids: Vec<_> = stories.iter().map(|s| s.author_id.clone()).collect();
    let authors = users.authors(&ids).await?;
    Ok(stories
        .iter()
        .zip(authors)
        .map(|(story, author)| story.view(author))
        .collect())
}

/// One story with its author.
pub async fn story<U: UserReader>(users: &U, story: &Story) -> Result<StoryView, StoreError> {
    let author = users
        .authors(std::slice::from_ref(&story.author_id))
        .await?;
    Ok(story.view(first_or_unnamed(author, &story.author_id)))
}

/// Each photo with its uploader, in order.
pub async fn photos<U: UserReader>(
    users: &U,
    photos: Vec<Photo>,
) -> Result<Vec<PhotoView>, StoreError> {
    let ids: Vec<_> = photos.iter().map(|p| p.uploaded_by.clone()).collect();
    let authors = users.authors(&ids).await?;
    Ok(photos
        .iter()
        .zip(authors)
        .map(|(photo, author)| photo.view(author))
        .collect())
}

/// One photo with its uploader.
pub async fn photo<U: UserReader>(users: &U, photo: &Photo) -> Result<PhotoView, StoreError> {
    let author = users
        .authors(std::slice::from_ref(&photo.uploaded_by))
        .await?;
    Ok(photo.view(first_or_unnamed(author, &photo.uploaded_by)))
}

fn first_or_unnamed(
    authors: Vec<crate::domain::Author>,
    id: &crate::domain::PublicUserId,
) -> crate::domain::Author {
    authors
        .into_iter()
        .next()
        .unwrap_or_else(|| crate::domain::Author::unnamed(id.clone()))
}
