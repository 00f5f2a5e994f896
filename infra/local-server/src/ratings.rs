//! The local stand-in for the table's stream and the `refresh-ratings` consumer. In AWS a
//! review write changes only review, marker and shard items, and the café's items catch up when
//! the stream delivers the shard change. Locally there is no stream: this review writer runs the
//! same [`RatingWriter::apply_rating`] in process right after each successful review write, so
//! `make run` shows list ratings and `sort=rating` following reviews. The review functions get
//! it as their `ReviewWriter` and stay unaware of it, as they are of the stream.

use shared::domain::{CafeId, Review};
use shared::ports::{RatingWriter, ReviewWriteError, ReviewWriter};
use shared::store::reviews::ReviewStore;
use shared::store::sqlite::SqliteStore;

/// The review writer of the local server: [`ReviewStore`] plus the in-process rating refresh.
#[derive(Clone)]
pub struct ConvergingReviews {
    reviews: ReviewStore<SqliteStore>,
}

impl ConvergingReviews {
    pub fn new(reviews: ReviewStore<SqliteStore>) -> Self {
        Self { reviews }
    }

    /// Best effort, like a stream consumer whose retries ran out: the review is stored and the
    /// café profile endpoint computes the summary on read; the next write to the café converges it.
    async fn converge(&self, cafe: &CafeId) {
        match self.reviews.table().apply_rating(cafe).await {
            Ok(change) => tracing::debug!(cafe_id = %cafe, ?change, "rating refreshed"),
            Err(e) => tracing::warn!(cafe_id = %cafe, error = %e, "rating refresh failed"),
        }
    }
}

impl ReviewWriter for ConvergingReviews {
    async fn create_review(&self, review: &Review) -> Result<(), ReviewWriteError> {
        self.reviews.create_review(review).await?;
        self.converge(&review.cafe_id).await;
        Ok(())
    }

    async fn update_review(&self, before: &Review, after: &Review) -> Result<(), ReviewWriteError> {
        self.reviews.update_review(before, after).await?;
        self.converge(&after.cafe_id).await;
        Ok(())
    }

    async fn delete_review(&self, review: &Review) -> Result<(), ReviewWriteError> {
        self.reviews.delete_review(review).await?;
        self.converge(&review.cafe_id).await;
        Ok(())
    }
}
