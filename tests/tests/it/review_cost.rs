//! What one review write costs in DynamoDB, counted: the review functions' handlers run on
//! the embedded store behind [`Counting`], an `ItemTable` that turns each primitive call into
//! the DynamoDB requests the DynamoDB adapter makes for it and estimates the write units those
//! requests consume (DynamoDB's rules: a transactional write costs 2 units per started KB of
//! each item, a plain write 1). The asserted figures are the "after" column of docs/reviews.md;
//! a change that makes a review write dearer, or makes it touch a café again, fails here.
//!
//! It also enforces ARCHITECTURE.md's invariant "a review write never rewrites the café":
//! every item a review route writes is a review, its author-list entry, the author marker, this
//! region's rating shard, or the request's own bookkeeping (idempotency record, write-limit
//! bucket, the author's profile) — never a `CAFE#` item.

use std::collections::BTreeMap;

use shared::domain::{Rating, Review, ReviewDraft, ReviewId, ReviewText};
use shared::http::WriteGuard;
use shared::ports::{CafeReader, CatalogWriter, ReviewReader, ReviewWriter};
use shared::store::keys;
use shared::store::reviews::ReviewStore;
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body};
use tests::counting::{Counting, Tally};

type Store = Counting<SqliteStore>;

async fn store() -> Store {
    Counting::new(shared::seed::demo_memory_store().await.unwrap())
}

fn guard(store: &Store) -> WriteGuard<Store> {
    WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30))
}

/// The review the update and delete fixtures name, by the fixtures' author, on the first
/// demo café (written uncounted).
async fn fixture_review(store: &Store) -> Review {
    let cafe = shared::demo::catalog().unwrap().cafes[0].id.clone();
    let review = Review::new(
        ReviewId::parse("rev_0000000000000001").unwrap(),
        cafe,
        shared::testing::public_id("fixture-user"),
        ReviewDraft {
            rating: Rating::new(5).unwrap(),
            text: ReviewText::parse("First visit: a superb naturally processed Ethiopian.")
                .unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        jiff::Timestamp::from_second(1_700_000_000).unwrap(),
    );
    ReviewStore::new(store.clone(), "test")
        .create_review(&review)
        .await
        .unwrap();
    // The café shows the summary with this review in it, as it would once converged.
    let mut cafe = store.get_cafe(&review.cafe_id).await.unwrap().unwrap();
    cafe.rating = store.rating_summary(&review.cafe_id).await.unwrap();
    store.put_cafe(&cafe).await.unwrap();
    store.take();
    review
}

/// What `POST /cafes/{id}/reviews` costs (the create-review fixture).
pub async fn create_cost() -> Tally {
    let store = store().await;
    store.take();
    let deps = create_review::Deps {
        catalog: store.clone(),
        reviews: ReviewStore::new(store.clone(), "test"),
        users: shared::testing::user_keys(),
        guard: guard(&store),
    };
    let response = create_review::handle(&deps, event("create-review")).await;
    assert_eq!(response.status(), 201, "{}", json_body(&response));
    store.take()
}

/// What `PUT /reviews/{id}` costs (the update-review fixture: 5 stars become 3).
pub async fn update_cost() -> Tally {
    let store = store().await;
    fixture_review(&store).await;
    let deps = update_review::Deps {
        catalog: store.clone(),
        reviews: ReviewStore::new(store.clone(), "test"),
        users: shared::testing::user_keys(),
        guard: guard(&store),
    };
    let response = update_review::handle(&deps, event("update-review")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    store.take()
}

/// What `DELETE /reviews/{id}` costs (the delete-review fixture).
pub async fn delete_cost() -> Tally {
    let store = store().await;
    let review = fixture_review(&store).await;
    let deps = delete_review::Deps {
        catalog: store.clone(),
        reviews: ReviewStore::new(store.clone(), "test"),
        users: shared::testing::user_keys(),
        guard: guard(&store),
    };
    let response = delete_review::handle(&deps, event("delete-review")).await;
    assert_eq!(response.status(), 204, "{}", json_body(&response));
    assert!(store.get_review(&review.id).await.unwrap().is_none());
    store.take()
}

/// The sizes of the transactions of a tally.
fn transaction_sizes(tally: &Tally) -> Vec<usize> {
    tally.transactions.iter().map(Vec::len).collect()
}

fn calls(pairs: &[(&'static str, usize)]) -> BTreeMap<&'static str, usize> {
    pairs.iter().copied().collect()
}

/// The figures in docs/reviews.md ("after"): a review write is the idempotency claim (create
/// only), the write-limit token, the author's profile (create only), the author marker (edit and
/// delete: a consistent read, for what this region counted) and one transaction of at most four
/// items; nothing of the café.
#[tokio::test]
async fn a_review_write_costs_what_docs_reviews_md_says() {
    let create = create_cost().await;
    assert_eq!(
        create.calls,
        calls(&[("GetItem", 3), ("TransactWriteItems", 5)]),
        "{create:#?}"
    );
    assert_eq!(transaction_sizes(&create), [1, 1, 1, 4, 1]);
    assert_eq!(create.write_units, 16);
    assert_eq!(create.requests(), 8);

    let update = update_cost().await;
    assert_eq!(
        update.calls,
        calls(&[
            ("BatchGetItem", 1),
            ("GetItem", 3),
            ("TransactWriteItems", 2)
        ]),
        "{update:#?}"
    );
    assert_eq!(transaction_sizes(&update), [1, 4]);
    assert_eq!(update.write_units, 10);
    assert_eq!(update.requests(), 6);

    let delete = delete_cost().await;
    assert_eq!(
        delete.calls,
        calls(&[("GetItem", 4), ("TransactWriteItems", 2)]),
        "{delete:#?}"
    );
    assert_eq!(transaction_sizes(&delete), [1, 4]);
    assert_eq!(delete.write_units, 10);
    assert_eq!(delete.requests(), 6);
}

/// ARCHITECTURE.md: "a review write never rewrites the café". Every item the review routes write
/// is of the review's own families or the request's bookkeeping, and the review transaction holds
/// only the review, its author-list entry, the author marker and this region's shard.
#[tokio::test]
async fn a_review_write_never_rewrites_the_cafe() {
    let cafe = keys::cafe_pk(&shared::demo::catalog().unwrap().cafes[0].id);
    let ratings = keys::ratings_pk(&shared::demo::catalog().unwrap().cafes[0].id);
    let shard = keys::shard_sk("test");
    let reviewer = keys::reviewer_sk(&shared::testing::public_id("fixture-user"));
    for (route, tally) in [
        ("create", create_cost().await),
        ("update", update_cost().await),
        ("delete", delete_cost().await),
    ] {
        assert!(
            tally.written.iter().all(|(pk, _)| pk != &cafe),
            "{route} wrote the café: {:?}",
            tally.written
        );
        for (pk, _) in &tally.written {
            assert!(
                ["REVIEW#", "RATINGS#", "USER#", "RATE#", "IDEMPOTENCY#"]
                    .iter()
                    .any(|family| pk.starts_with(family)),
                "{route} wrote {pk}"
            );
        }
        let review_tx: Vec<&Vec<(String, String)>> = tally
            .transactions
            .iter()
            .filter(|t| t.iter().any(|(pk, _)| pk.starts_with("REVIEW#")))
            .collect();
        assert_eq!(review_tx.len(), 1, "{route}: one review transaction");
        let items = review_tx[0];
        assert!(items.len() <= 4, "{route}: {items:?}");
        for (pk, sk) in items {
            let review_item =
                pk.starts_with("REVIEW#") && (sk == keys::PROFILE_SK || sk == keys::USER_LIST_SK);
            let counted = pk == &ratings && (sk == &shard || sk == &reviewer);
            assert!(review_item || counted, "{route}: {pk} {sk}");
        }
    }
}

/// What the asynchronous side costs: one `apply_rating` per café per stream batch (however many
/// reviews of that café the batch holds), and nothing but two reads when the café already shows
/// its summary (a redelivered batch). Figures in docs/reviews.md.
#[tokio::test]
async fn the_rating_refresh_costs_one_cafe_rewrite_per_batch() {
    use shared::ports::RatingWriter;
    let store = store().await;
    let review = fixture_review(&store).await;
    // Two more reviews arrive before the batch is applied.
    for (n, author) in [(2u128, "second"), (3, "third")] {
        let mut other = review.clone();
        other.id = ReviewId::from_entropy(n);
        other.author_id = shared::testing::public_id(author);
        ReviewStore::new(store.clone(), "test")
            .create_review(&other)
            .await
            .unwrap();
    }
    store.take();

    store.apply_rating(&review.cafe_id).await.unwrap();
    let changed = store.take();
    assert_eq!(
        changed.calls,
        calls(&[("GetItem", 1), ("Query", 1), ("TransactWriteItems", 1)]),
        "{changed:#?}"
    );
    let cafe = keys::cafe_pk(&review.cafe_id);
    assert!(changed.written.iter().all(|(pk, _)| pk == &cafe));
    // The first demo café: profile, 11 list, 3 geo and 7 term entries.
    assert_eq!(transaction_sizes(&changed), [22]);
    assert_eq!(changed.write_units, 48);

    store.apply_rating(&review.cafe_id).await.unwrap();
    let unchanged = store.take();
    assert_eq!(unchanged.calls, calls(&[("GetItem", 1), ("Query", 1)]));
    assert_eq!(unchanged.write_units, 0);
}
