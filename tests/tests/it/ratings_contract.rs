//! Contract suite for `RatingWriter::apply_rating` (what the `refresh-ratings` stream consumer
//! runs) on both adapters: `embedded::…` and `dynamodb_over_http_moto::…`. It converges every
//! copy of a café's rating to the sum of its shards, writes nothing when they already agree,
//! never undoes a catalogue edit or a cover change that lands between its read and its write,
//! changes no other field, and never creates a café.

use shared::domain::{
    Cafe, CafeId, CoverPhoto, PhotoId, Rating, RatingSummary, Rendition, Review, ReviewDraft,
    ReviewId, ReviewText,
};
use shared::ports::{
    CafeReader, CatalogWriter, CoverChange, CoverWriter, RatingChange, RatingWriter, ReviewReader,
    ReviewWriter,
};
use shared::query::{CafeQuery, CafeSort, PageLimit};
use shared::store::reviews::ReviewStore;
use shared::store::{ItemTable, StoredItem, keys};
use tests::counting::{Counting, Hook};
use tests::fixtures::{Fixtures, fixtures, load};

/// Every item of the café's partition (DynamoDB refuses an empty `begins_with` prefix, so one
/// read per kind of item).
async fn partition<T: ItemTable>(table: &T, cafe: &CafeId) -> Vec<StoredItem> {
    let pk = keys::cafe_pk(cafe);
    let mut items = Vec::new();
    for prefix in [keys::PROFILE_SK, "LIST#", "GEO#", "TERM#"] {
        items.extend(table.query_prefix(&pk, prefix).await.unwrap());
    }
    items
}

async fn loaded<T: ItemTable + Clone>(table: T) -> (T, Fixtures) {
    let f = fixtures();
    load(&table, &f).await;
    (table, f)
}

/// `stars` reviews of `cafe`, one per author, counted in `region`'s shard.
async fn reviews<T: ItemTable + Clone>(table: &T, region: &str, cafe: &CafeId, stars: &[i64]) {
    let store = ReviewStore::new(table.clone(), region);
    for (i, stars) in stars.iter().enumerate() {
        let review = Review::new(
            ReviewId::from_entropy(uuid::Uuid::new_v4().as_u128()),
            cafe.clone(),
            shared::testing::public_id(&format!("{region}-{i}")),
            ReviewDraft {
                rating: Rating::new(*stars).unwrap(),
                text: ReviewText::parse("Sweet, syrupy filter and a patient barista.").unwrap(),
                brewing_method: None,
                visited_on: None,
            },
            jiff::Timestamp::from_second(1_700_000_000 + i as i64).unwrap(),
        );
        store.create_review(&review).await.unwrap();
    }
}

/// Every item of the café's partition as JSON, keyed by sort key, with the rating fields
/// (`rating` in profile, list and term entries; `r` in geo entries) taken out.
async fn partition_without_ratings<T: ItemTable>(
    table: &T,
    cafe: &CafeId,
) -> Vec<(String, serde_json::Value)> {
    let mut items: Vec<(String, serde_json::Value)> = partition(table, cafe)
        .await
        .into_iter()
        .map(|item| {
            let mut doc: serde_json::Value =
                serde_json::from_str(item.doc.as_deref().unwrap()).unwrap();
            let map = doc.as_object_mut().unwrap();
            map.remove("rating");
            map.remove("r");
            // A geo entry's copy of the café summary.
            if let Some(summary) = map.get_mut("s").and_then(|s| s.as_object_mut()) {
                summary.remove("rating");
            }
            // The profile's last-change stamp moves with every write (catalogue sync).
            map.remove("updatedAt");
            (item.sk, doc)
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    items
}

/// The rating every item of the café's partition shows: the profile's and each list and term
/// entry's summary, and each geo entry's average and the summary it carries.
async fn shown_ratings<T: ItemTable>(table: &T, cafe: &CafeId) -> (Vec<RatingSummary>, Vec<f64>) {
    let mut summaries = Vec::new();
    let mut averages = Vec::new();
    for item in partition(table, cafe).await {
        let doc: serde_json::Value = serde_json::from_str(item.doc.as_deref().unwrap()).unwrap();
        if let Some(r) = doc.get("r") {
            averages.push(r.as_f64().unwrap());
            summaries.push(serde_json::from_value(doc["s"]["rating"].clone()).unwrap());
        } else {
            summaries.push(serde_json::from_value(doc["rating"].clone()).unwrap());
        }
    }
    (summaries, averages)
}

async fn assert_converged<T: ItemTable>(table: &T, cafe: &CafeId) -> RatingSummary {
    let summary = table.rating_summary(cafe).await.unwrap();
    let (summaries, averages) = shown_ratings(table, cafe).await;
    assert!(summaries.len() > 2, "profile, list and term entries");
    assert!(
        summaries.iter().all(|s| s == &summary),
        "{summaries:?} != {summary:?}"
    );
    assert_eq!(averages.len(), 3, "three geo entries");
    assert!(averages.iter().all(|a| *a == summary.average_or_zero()));
    summary
}

async fn order_by_rating<T: ItemTable>(table: &T) -> Vec<CafeId> {
    let page = table
        .list_cafes(&CafeQuery {
            sort: CafeSort::Rating,
            limit: PageLimit::max(),
            ..Default::default()
        })
        .await
        .unwrap();
    page.items.into_iter().map(|c| c.id).collect()
}

async fn converges_to_the_sum_of_every_regions_shard<T: ItemTable + Clone>(table: T) {
    let (table, f) = loaded(table).await;
    let (low, high) = (&f.cafes[0], &f.cafes[1]);
    reviews(&table, "eu-west-1", &low.id, &[1, 2]).await;
    reviews(&table, "us-east-1", &low.id, &[1]).await;
    reviews(&table, "eu-west-1", &high.id, &[5, 5]).await;
    reviews(&table, "ap-southeast-2", &high.id, &[5, 4, 5]).await;
    for cafe in [low, high] {
        assert_eq!(
            table.apply_rating(&cafe.id).await.unwrap(),
            RatingChange::Changed
        );
    }
    assert_eq!(
        assert_converged(&table, &low.id).await,
        RatingSummary::from_histogram([2, 1, 0, 0, 0])
    );
    assert_eq!(
        assert_converged(&table, &high.id).await,
        RatingSummary::from_histogram([0, 0, 0, 1, 4])
    );
    // The list entries' rating sort key moved too: `sort=rating` puts the 4.8 before the 1.3.
    let order = order_by_rating(&table).await;
    let at = |id: &CafeId| order.iter().position(|c| c == id).unwrap();
    assert!(at(&high.id) < at(&low.id), "{order:?}");
}

async fn applying_again_writes_nothing<T: ItemTable + Clone>(table: T) {
    let (table, f) = loaded(table).await;
    let cafe = &f.cafes[2];
    reviews(&table, "eu-west-1", &cafe.id, &[3, 4]).await;
    assert_eq!(
        table.apply_rating(&cafe.id).await.unwrap(),
        RatingChange::Changed
    );
    let pk = keys::cafe_pk(&cafe.id);
    let version = table
        .get_item(&pk, keys::PROFILE_SK)
        .await
        .unwrap()
        .unwrap()
        .version;
    for _ in 0..2 {
        assert_eq!(
            table.apply_rating(&cafe.id).await.unwrap(),
            RatingChange::Unchanged
        );
    }
    let after = table
        .get_item(&pk, keys::PROFILE_SK)
        .await
        .unwrap()
        .unwrap()
        .version;
    assert_eq!(after, version, "an unchanged summary is not written");
    assert_converged(&table, &cafe.id).await;
}

async fn changes_no_other_field<T: ItemTable + Clone>(table: T) {
    let (table, f) = loaded(table).await;
    let cafe = &f.cafes[3];
    assert_eq!(
        table.offer_cover(&cafe.id, &cover(7)).await.unwrap(),
        CoverChange::Changed
    );
    let profile_before = table.get_cafe(&cafe.id).await.unwrap().unwrap();
    let items_before = partition_without_ratings(&table, &cafe.id).await;
    reviews(&table, "eu-west-1", &cafe.id, &[2, 5, 5]).await;

    table.apply_rating(&cafe.id).await.unwrap();

    let summary = assert_converged(&table, &cafe.id).await;
    let profile_after = table.get_cafe(&cafe.id).await.unwrap().unwrap();
    assert_eq!(
        profile_after,
        Cafe {
            rating: summary,
            ..profile_before
        }
    );
    assert_eq!(
        partition_without_ratings(&table, &cafe.id).await,
        items_before,
        "the same items, equal but for their rating"
    );
}

async fn a_cafe_that_does_not_exist_is_left_alone<T: ItemTable + Clone>(table: T) {
    let (table, _) = loaded(table).await;
    let gone = CafeId::from_entropy(4242);
    reviews(&table, "eu-west-1", &gone, &[4]).await;
    assert_eq!(
        table.apply_rating(&gone).await.unwrap(),
        RatingChange::NoCafe
    );
    assert!(
        partition(&table, &gone).await.is_empty(),
        "no café item is created"
    );
}

fn cover(n: u128) -> CoverPhoto {
    CoverPhoto {
        photo_id: PhotoId::from_entropy(n),
        renditions: vec![Rendition {
            size: 320,
            width: 320,
            height: 240,
            format: "webp".to_owned(),
            url: format!("https://cdn.example/media/{n}.webp"),
        }],
        created_at: jiff::Timestamp::from_second(1_780_000_000 + n as i64).unwrap(),
    }
}

/// A table that runs `hook` (another writer's change to the same café) just before its first
/// transaction: between `apply_rating`'s read and its write.
fn interleaved<T: ItemTable + Clone>(table: &T, hook: Hook) -> Counting<T> {
    Counting::interleaved(table.clone(), hook)
}

async fn a_catalogue_edit_between_read_and_write_is_not_undone<T: ItemTable + Clone + 'static>(
    table: T,
) {
    let (table, f) = loaded(table).await;
    let cafe = f.cafes[4].clone();
    reviews(&table, "eu-west-1", &cafe.id, &[5, 4]).await;
    // The back office renames the café (from the profile it read earlier) while the refresh is
    // between its read and its write.
    let edited = Cafe {
        name: format!("{} Roastery", cafe.name),
        tagline: "Now roasting in house".to_owned(),
        ..cafe.clone()
    };
    let editor = table.clone();
    let edit = edited.clone();
    let racing = interleaved(
        &table,
        Box::pin(async move { editor.put_cafe(&edit).await.unwrap() }),
    );

    assert_eq!(
        racing.apply_rating(&cafe.id).await.unwrap(),
        RatingChange::Changed
    );

    assert_eq!(
        racing.take().transactions.len(),
        2,
        "the first write lost the version race and was made again from a fresh read"
    );
    let summary = assert_converged(&table, &cafe.id).await;
    let shown = table.get_cafe(&cafe.id).await.unwrap().unwrap();
    assert_eq!(
        shown,
        Cafe {
            rating: summary,
            ..edited
        },
        "the edit stays and the rating is current"
    );
    let names: Vec<String> = table
        .list_cafes(&CafeQuery {
            limit: PageLimit::max(),
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|c| c.id == cafe.id)
        .map(|c| c.name)
        .collect();
    assert_eq!(names, [shown.name]);
}

async fn a_cover_change_between_read_and_write_is_not_undone<T: ItemTable + Clone + 'static>(
    table: T,
) {
    let (table, f) = loaded(table).await;
    let cafe = f.cafes[0].clone();
    reviews(&table, "us-east-1", &cafe.id, &[2]).await;
    let worker = table.clone();
    let id = cafe.id.clone();
    let racing = interleaved(
        &table,
        Box::pin(async move {
            assert_eq!(
                worker.offer_cover(&id, &cover(9)).await.unwrap(),
                CoverChange::Changed
            );
        }),
    );

    assert_eq!(
        racing.apply_rating(&cafe.id).await.unwrap(),
        RatingChange::Changed
    );

    assert_eq!(racing.take().transactions.len(), 2);
    assert_converged(&table, &cafe.id).await;
    let shown = table.get_cafe(&cafe.id).await.unwrap().unwrap();
    assert_eq!(
        shown.cover_photo.map(|c| c.photo_id),
        Some(PhotoId::from_entropy(9)),
        "the photo worker's cover stays"
    );
}

async fn the_maintenance_refresh_converges_every_cafe<T: ItemTable + Clone>(table: T) {
    let (table, f) = loaded(table).await;
    reviews(&table, "eu-west-1", &f.cafes[1].id, &[4, 5]).await;
    // The fixtures' ratings are not backed by shards: every café moves to its shards' sum.
    let done = shared::maintenance::refresh_ratings(&table).await.unwrap();
    assert_eq!(done.changed + done.unchanged, f.cafes.len());
    assert!(done.changed >= 1);
    for cafe in &f.cafes {
        assert_converged(&table, &cafe.id).await;
    }
    let again = shared::maintenance::refresh_ratings(&table).await.unwrap();
    assert_eq!((again.changed, again.unchanged), (0, f.cafes.len()));
}

tests::contract_suite!(
    the_maintenance_refresh_converges_every_cafe,
    converges_to_the_sum_of_every_regions_shard,
    applying_again_writes_nothing,
    changes_no_other_field,
    a_cafe_that_does_not_exist_is_left_alone,
    a_catalogue_edit_between_read_and_write_is_not_undone,
    a_cover_change_between_read_and_write_is_not_undone,
);
