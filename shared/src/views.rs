//! What responses show of user content: reviews, stories and photos with their author's public
//! reference (`{id, displayName}`), resolved in one batch read per page.

use crate::domain::{Author, Photo, PhotoView, PublicUserId, Review, ReviewView, Story, StoryView};
use crate::ports::{StoreError, UserReader};

/// User content that names its author and has a response view with the author resolved.
pub trait Authored {
    /// What responses show.
    type View;
    /// Who wrote (or uploaded) it.
    fn author_id(&self) -> &PublicUserId;
    /// The response view, given the author's reference.
    fn view_with(&self, author: Author) -> Self::View;
}

impl Authored for Review {
    type View = ReviewView;
    fn author_id(&self) -> &PublicUserId {
        &self.author_id
    }
    fn view_with(&self, author: Author) -> ReviewView {
        self.view(author)
    }
}

impl Authored for Story {
    type View = StoryView;
    fn author_id(&self) -> &PublicUserId {
        &self.author_id
    }
    fn view_with(&self, author: Author) -> StoryView {
        self.view(author)
    }
}

impl Authored for Photo {
    type View = PhotoView;
    fn author_id(&self) -> &PublicUserId {
        &self.uploaded_by
    }
    fn view_with(&self, author: Author) -> PhotoView {
        self.view(author)
    }
}

/// Each item with its author, in order: one batch read of the distinct authors.
pub async fn many<U: UserReader, T: Authored>(
    users: &U,
    items: &[T],
) -> Result<Vec<T::View>, StoreError> {
    let ids: Vec<PublicUserId> = items.iter().map(|i| i.author_id().clone()).collect();
    let authors = users.authors(&ids).await?;
    Ok(items
        .iter()
        .zip(authors)
        .map(|(item, author)| item.view_with(author))
        .collect())
}

/// One item with its author.
pub async fn one<U: UserReader, T: Authored>(users: &U, item: &T) -> Result<T::View, StoreError> {
    let author = users
        .authors(std::slice::from_ref(item.author_id()))
        .await?
        .into_iter()
        .next()
        .unwrap_or_else(|| Author::unnamed(item.author_id().clone()));
    Ok(item.view_with(author))
}

/// Each review with its author, in order.
pub async fn reviews<U: UserReader>(
    users: &U,
    reviews: Vec<Review>,
) -> Result<Vec<ReviewView>, StoreError> {
    many(users, &reviews).await
}

/// One review with its author.
pub async fn review<U: UserReader>(users: &U, review: &Review) -> Result<ReviewView, StoreError> {
    one(users, review).await
}

/// Each story with its author, in order.
pub async fn stories<U: UserReader>(
    users: &U,
    stories: Vec<Story>,
) -> Result<Vec<StoryView>, StoreError> {
    many(users, &stories).await
}

/// One story with its author.
pub async fn story<U: UserReader>(users: &U, story: &Story) -> Result<StoryView, StoreError> {
    one(users, story).await
}

/// Each photo with its uploader, in order.
pub async fn photos<U: UserReader>(
    users: &U,
    photos: Vec<Photo>,
) -> Result<Vec<PhotoView>, StoreError> {
    many(users, &photos).await
}

/// One photo with its uploader.
pub async fn photo<U: UserReader>(users: &U, photo: &Photo) -> Result<PhotoView, StoreError> {
    one(users, photo).await
}
