//! Contract suite for `CafeSync::cafes_changed_since` (partner catalogue sync) on both adapters:
//! `embedded::…` and `dynamodb_over_http_moto::…`. Every café appears once, ascending by
//! `(updatedAt, id)`; pages resumed from their cursors are exact; `since` filters; and each
//! kind of café change (catalogue write, rating refresh, cover offered or withdrawn) moves the
//! café to the end of the order, in the same write as the change.

use jiff::Timestamp;
use shared::domain::{
    CafeId, ChangedCafe, CoverPhoto, PhotoId, Rating, Rendition, Review, ReviewDraft, ReviewId,
    ReviewText,
};
use shared::ports::{
    CafeSync, CatalogWriter, CoverWriter, RatingChange, RatingWriter, ReviewWriter,
};
use shared::query::PageLimit;
use shared::store::ItemTable;
use shared::store::reviews::ReviewStore;
use tests::fixtures::{fixtures, load};

/// Every café changed at or after `since`, page by page (`limit` per page).
async fn sync_all<S: CafeSync>(store: &S, since: Timestamp, limit: u32) -> Vec<ChangedCafe> {
    let limit = PageLimit::new(limit).unwrap();
    let mut all = Vec::new();
    let mut after = None;
    for _ in 0..1_000 {
        let page = store
            .cafes_changed_since(since, after.as_ref(), limit)
            .await
            .unwrap();
        assert!(page.items.len() <= limit.get());
        assert_eq!(page.items.len(), page.keys.len());
        all.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
    panic!("sync never ended");
}

fn ascending(cafes: &[ChangedCafe]) {
    for pair in cafes.windows(2) {
        let a = (pair[0].updated_at, pair[0].cafe.id.as_str());
        let b = (pair[1].updated_at, pair[1].cafe.id.as_str());
        assert!(a < b, "{a:?} then {b:?}");
    }
}

fn ids(cafes: &[ChangedCafe]) -> Vec<CafeId> {
    cafes.iter().map(|c| c.cafe.id.clone()).collect()
}

/// Lets the clock move past the last change (updates are stamped to the millisecond).
async fn tick() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

async fn every_cafe_once_in_order_across_pages<S: ItemTable + Clone>(store: S) {
    let f = fixtures();
    load(&store, &f).await;
    let whole = sync_all(&store, Timestamp::UNIX_EPOCH, 100).await;
    ascending(&whole);
    let mut expected: Vec<CafeId> = f.cafes.iter().map(|c| c.id.clone()).collect();
    let mut got = ids(&whole);
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "each café exactly once");
    for c in &whole {
        let stored = f.cafes.iter().find(|f| f.id == c.cafe.id).unwrap();
        assert_eq!(&c.cafe, stored, "the café as its profile shows it");
    }
    for limit in [1, 2, 3] {
        let paged = sync_all(&store, Timestamp::UNIX_EPOCH, limit).await;
        assert_eq!(ids(&paged), ids(&whole), "pages of {limit}");
    }
}

async fn since_filters<S: ItemTable + Clone>(store: S) {
    let f = fixtures();
    load(&store, &f).await;
    let whole = sync_all(&store, Timestamp::UNIX_EPOCH, 100).await;
    assert!(whole.len() >= 3);
    for cut in [1, whole.len() - 1] {
        let since = whole[cut].updated_at;
        let expected: Vec<CafeId> = ids(&whole[..])
            .into_iter()
            .zip(&whole)
            .filter(|(_, c)| c.updated_at >= since)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids(&sync_all(&store, since, 2).await), expected);
    }
    let later = whole.last().unwrap().updated_at + jiff::SignedDuration::from_millis(1);
    let page = store
        .cafes_changed_since(later, None, PageLimit::new(10).unwrap())
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next, None);
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
        created_at: Timestamp::from_second(1_780_000_000 + n as i64).unwrap(),
    }
}

/// Asserts `cafe` is now last in the sync order, changed after `before`; returns its stamp.
async fn last_after<S: CafeSync>(store: &S, cafe: &CafeId, before: Timestamp) -> Timestamp {
    let whole = sync_all(store, Timestamp::UNIX_EPOCH, 100).await;
    ascending(&whole);
    let last = whole.last().unwrap();
    assert_eq!(&last.cafe.id, cafe);
    assert!(last.updated_at > before);
    assert_eq!(
        whole.iter().filter(|c| &c.cafe.id == cafe).count(),
        1,
        "listed once"
    );
    // Only it is returned from its own stamp on.
    let since = sync_all(store, last.updated_at, 10).await;
    assert_eq!(ids(&since), vec![cafe.clone()]);
    last.updated_at
}

async fn each_kind_of_change_moves_the_cafe_to_the_end<S: ItemTable + Clone>(store: S) {
    let f = fixtures();
    load(&store, &f).await;
    let whole = sync_all(&store, Timestamp::UNIX_EPOCH, 100).await;
    let mut stamp = whole.last().unwrap().updated_at;

    // A catalogue write (the first café, so it has to move).
    let mut edited = f.cafes[0].clone();
    edited.tagline = "Now roasting in the back room.".to_owned();
    tick().await;
    store.put_cafe(&edited).await.unwrap();
    stamp = last_after(&store, &edited.id, stamp).await;

    // A rating refresh (another café).
    let rated = f.cafes[1].id.clone();
    let review = Review::new(
        ReviewId::from_entropy(7),
        rated.clone(),
        shared::testing::public_id("sync-reviewer"),
        ReviewDraft {
            rating: Rating::new(5).unwrap(),
            text: ReviewText::parse("Sweet, syrupy filter and a patient barista.").unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        Timestamp::from_second(1_700_000_000).unwrap(),
    );
    ReviewStore::new(store.clone(), "eu-west-1")
        .create_review(&review)
        .await
        .unwrap();
    tick().await;
    assert_eq!(
        store.apply_rating(&rated).await.unwrap(),
        RatingChange::Changed
    );
    stamp = last_after(&store, &rated, stamp).await;

    // A cover offered, then withdrawn (a third café).
    let covered = f.cafes[2].id.clone();
    tick().await;
    store.offer_cover(&covered, &cover(1)).await.unwrap();
    stamp = last_after(&store, &covered, stamp).await;
    tick().await;
    store.put_cafe(&f.cafes[0]).await.unwrap();
    stamp = last_after(&store, &f.cafes[0].id, stamp).await;
    tick().await;
    store
        .withdraw_cover(&covered, &cover(1).photo_id, None)
        .await
        .unwrap();
    last_after(&store, &covered, stamp).await;
}

/// Changes within the same millisecond still move the café forward (its stamp is always after
/// the previous one).
async fn rapid_changes_still_move_forward<S: ItemTable + Clone>(store: S) {
    let f = fixtures();
    load(&store, &f).await;
    let cafe = f.cafes[0].clone();
    let mut stamp = Timestamp::UNIX_EPOCH;
    for n in 0..5 {
        store.offer_cover(&cafe.id, &cover(10 + n)).await.unwrap();
        stamp = last_after(&store, &cafe.id, stamp).await;
    }
}

tests::contract_suite!(
    every_cafe_once_in_order_across_pages,
    since_filters,
    each_kind_of_change_moves_the_cafe_to_the_end,
    rapid_changes_still_move_forward,
);
