//! Two regions accept reviews for the same café at the same time, then replicate the way
//! DynamoDB global tables do: item by item, last writer wins on conflicting keys. The rating
//! summary must converge to the exact aggregate of the surviving reviews in both regions,
//! whichever region wins each conflict. A naive single-counter design is run through the same
//! replication as a control, to show that the test can tell the difference.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use jiff::Timestamp;
use shared::domain::{CafeId, Rating, RatingSummary, Review, ReviewDraft, ReviewId, ReviewText};
use shared::ports::{ReviewReader, ReviewWriter};
use shared::query::PageLimit;
use shared::store::reviews::ReviewStore;
use shared::store::sqlite::{RawRow, SqliteStore};
use shared::store::{Condition, ItemTable, Write};

fn draft(stars: i64, text: &str) -> ReviewDraft {
    ReviewDraft {
        rating: Rating::new(stars).unwrap(),
        text: ReviewText::parse(text).unwrap(),
        brewing_method: None,
        visited_on: None,
    }
}

/// One region's traffic: creates, then edits every third review and deletes every seventh.
async fn traffic(store: &ReviewStore<SqliteStore>, region: u128, cafe: &CafeId, n: u128) {
    let mut written = Vec::new();
    for i in 0..n {
        let review = Review::new(
            ReviewId::from_entropy(region * 1_000 + i),
            cafe.clone(),
            shared::testing::public_id(&format!("user-{region}-{i}")),
            draft((i % 5 + 1) as i64, "Juicy natural Gesha, served with care."),
            Timestamp::from_second(1_700_000_000 + i as i64).unwrap(),
        );
        store.create_review(&review).await.unwrap();
        written.push(review);
        tokio::task::yield_now().await;
    }
    for (i, review) in written.iter().enumerate() {
        if i % 7 == 0 {
            store.delete_review(review).await.unwrap();
        } else if i % 3 == 0 {
            let edited = review.edited(
                draft(
                    ((i + 2) % 5 + 1) as i64,
                    "Revisited: the pour-over has improved a lot.",
                ),
                Timestamp::from_second(1_800_000_000 + i as i64).unwrap(),
            );
            store.update_review(review, &edited).await.unwrap();
        }
        tokio::task::yield_now().await;
    }
}

/// Replicates both ways: every key present in either region ends up in both; where both
/// regions hold different versions of a key, `winner` is the last writer.
fn last_writer_wins(eu: &[RawRow], us: &[RawRow], winner: &str) -> Vec<RawRow> {
    let mut merged: BTreeMap<(String, String), RawRow> = BTreeMap::new();
    let (first, last) = if winner == "us" { (eu, us) } else { (us, eu) };
    for row in first.iter().chain(last) {
        merged.insert((row.pk.clone(), row.sk.clone()), row.clone());
    }
    merged.into_values().collect()
}

async fn replicated(rows: Vec<RawRow>, region: &str) -> ReviewStore<SqliteStore> {
    let table = SqliteStore::in_memory().unwrap();
    table.import_rows(rows).await.unwrap();
    ReviewStore::new(table, region)
}

async fn aggregate_of_reviews(store: &ReviewStore<SqliteStore>, cafe: &CafeId) -> RatingSummary {
    let mut histogram = [0u32; 5];
    let mut after = None;
    loop {
        let page = store
            .list_reviews(cafe, PageLimit::max(), after)
            .await
            .unwrap();
        for review in &page.items {
            histogram[review.rating.bucket()] += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return RatingSummary::from_histogram(histogram),
        }
    }
}

#[tokio::test]
async fn concurrent_reviews_in_two_regions_converge_to_the_exact_summary() {
    let cafe = CafeId::from_entropy(42);
    let eu = ReviewStore::new(SqliteStore::in_memory().unwrap(), "eu-west-1");
    let us = ReviewStore::new(SqliteStore::in_memory().unwrap(), "us-east-1");

    // Both regions accept writes at the same time, before anything replicates.
    tokio::join!(traffic(&eu, 1, &cafe, 60), traffic(&us, 2, &cafe, 45));

    let eu_rows = eu.table().export_rows().await.unwrap();
    let us_rows = us.table().export_rows().await.unwrap();
    for winner in ["eu", "us"] {
        let merged = last_writer_wins(&eu_rows, &us_rows, winner);
        let eu_after = replicated(merged.clone(), "eu-west-1").await;
        let us_after = replicated(merged, "us-east-1").await;
        let truth = aggregate_of_reviews(&eu_after, &cafe).await;
        // 60 + 45 created; every seventh deleted in each region (9 + 7).
        assert_eq!(truth.count, 105 - 9 - 7, "{winner} wins: surviving reviews");
        assert_eq!(
            eu_after.rating_summary(&cafe).await.unwrap(),
            truth,
            "{winner} wins: eu summary exact"
        );
        assert_eq!(
            us_after.rating_summary(&cafe).await.unwrap(),
            truth,
            "{winner} wins: us summary exact"
        );
    }
}

/// The control: one counter item per café, incremented in both regions, replicated the same
/// way, loses every increment of the region that does not win.
#[tokio::test]
async fn a_single_counter_item_loses_updates_under_the_same_replication() {
    let eu = SqliteStore::in_memory().unwrap();
    let us = SqliteStore::in_memory().unwrap();
    let bump = |table: SqliteStore, times: usize| async move {
        for _ in 0..times {
            let write = Write::Add {
                pk: "RATING#cafe".to_owned(),
                sk: "TOTAL".to_owned(),
                deltas: vec![("n", 1)],
                expires_at: None,
                condition: Condition::Always,
            };
            table.transact(vec![write]).await.unwrap();
        }
    };
    tokio::join!(bump(eu.clone(), 60), bump(us.clone(), 45));
    let merged = last_writer_wins(
        &eu.export_rows().await.unwrap(),
        &us.export_rows().await.unwrap(),
        "us",
    );
    let after = SqliteStore::in_memory().unwrap();
    after.import_rows(merged).await.unwrap();
    let total = after
        .get_item("RATING#cafe", "TOTAL")
        .await
        .unwrap()
        .unwrap()
        .counter("n");
    assert_eq!(
        total, 45,
        "last writer wins keeps one region's count, not 105"
    );
}
