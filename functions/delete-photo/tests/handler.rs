//! Handler tests on the events/delete-photo.json fixture (the author `fixture-user` deletes
//! photo `pho_0000000000000fix`), with the demo catalogue in an embedded store. The media are
//! the sweep's to remove (functions/sweep-photos/tests/handler.rs): here, the deletion queues
//! them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use delete_photo::{Deps, handle};
use shared::domain::{
    CafeId, CoverPhoto, Photo, PhotoId, PhotoOutcome, PhotoStatus, Rendition, UploadType,
};
use shared::ports::{CafeReader, CoverWriter, MediaPurgeQueue, PhotoReader, PhotoWriter};
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body};

fn hash(n: u8) -> String {
    format!("{:064x}", n)
}

fn photo(id: &str, cafe: &CafeId, author: &str, second: i64, n: u8) -> Photo {
    let at = jiff::Timestamp::from_second(1_800_000_000 + second).unwrap();
    Photo {
        id: PhotoId::parse(id).unwrap(),
        cafe_id: cafe.clone(),
        uploaded_by: shared::testing::public_id(author),
        caption: None,
        content_type: UploadType::Jpeg,
        content_length: 10,
        status: PhotoStatus::Pending,
        renditions: vec![Rendition {
            size: 320,
            width: 320,
            height: 240,
            format: "webp".to_owned(),
            url: format!("https://cdn.example/media/{}.webp", hash(n)),
        }],
        failure_reason: None,
        created_at: at,
        updated_at: at,
    }
}

/// Stores `p` as ready and offers it as the cover, as the worker does.
async fn ready(store: &SqliteStore, p: &Photo) {
    store.create_photo(p).await.unwrap();
    store
        .finish_photo(
            &p.id,
            PhotoOutcome::Ready {
                renditions: p.renditions.clone(),
                content_type: UploadType::Jpeg,
            },
            p.created_at,
        )
        .await
        .unwrap();
    let finished = store.get_photo(&p.id).await.unwrap().unwrap();
    store
        .offer_cover(&p.cafe_id, &CoverPhoto::of(&finished).unwrap())
        .await
        .unwrap();
}

struct Setup {
    deps: Deps<SqliteStore>,
    cafe: CafeId,
}

async fn setup() -> Setup {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let cafe = shared::demo::catalog().unwrap().cafes[0].id.clone();
    Setup {
        deps: Deps {
            store,
            users: shared::testing::user_keys(),
        },
        cafe,
    }
}

/// The media purges queued for the test renditions' host.
async fn queued(store: &SqliteStore) -> Vec<(String, Vec<String>)> {
    store
        .pending_purges("cdn.example", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.photo_id.to_string(), p.names))
        .collect()
}

#[tokio::test]
async fn the_author_deletes_the_cover_and_the_next_newest_photo_takes_over() {
    let s = setup().await;
    let older = photo("pho_0000000000000old", &s.cafe, "someone-else", 0, 1);
    let fixture = photo("pho_0000000000000fix", &s.cafe, "fixture-user", 10, 2);
    ready(&s.deps.store, &older).await;
    ready(&s.deps.store, &fixture).await;
    let cover = |store: &SqliteStore| {
        let store = store.clone();
        let cafe = s.cafe.clone();
        async move {
            store
                .get_cafe(&cafe)
                .await
                .unwrap()
                .unwrap()
                .cover_photo
                .map(|c| c.photo_id.to_string())
        }
    };
    assert_eq!(
        cover(&s.deps.store).await.as_deref(),
        Some("pho_0000000000000fix")
    );

    let before = jiff::Timestamp::now();
    let response = handle(&s.deps, event("delete-photo")).await;
    assert_eq!(response.status(), 204, "{:?}", json_body(&response));
    assert_eq!(s.deps.store.get_photo(&fixture.id).await.unwrap(), None);
    // Its renditions are queued for the sweep of the region serving them, stamped now.
    assert_eq!(
        queued(&s.deps.store).await,
        vec![(fixture.id.to_string(), vec![format!("{}.webp", hash(2))])]
    );
    let purge = &s.deps.store.pending_purges("cdn.example", 1).await.unwrap()[0];
    assert!(purge.deleted_at >= before - jiff::SignedDuration::from_millis(1));
    assert_eq!(
        cover(&s.deps.store).await.as_deref(),
        Some("pho_0000000000000old")
    );
    let listed = s
        .deps
        .store
        .list_cafe_photos(&s.cafe, Default::default(), None)
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);

    // Deleting again: it is gone.
    let response = handle(&s.deps, event("delete-photo")).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn deleting_the_only_photo_leaves_no_cover() {
    let s = setup().await;
    let fixture = photo("pho_0000000000000fix", &s.cafe, "fixture-user", 10, 2);
    ready(&s.deps.store, &fixture).await;
    let response = handle(&s.deps, event("delete-photo")).await;
    assert_eq!(response.status(), 204);
    let profile = s.deps.store.get_cafe(&s.cafe).await.unwrap().unwrap();
    assert_eq!(profile.cover_photo, None);
}

#[tokio::test]
async fn only_the_author_may_delete_and_bad_ids_are_400s() {
    let s = setup().await;
    let fixture = photo("pho_0000000000000fix", &s.cafe, "someone-else", 10, 2);
    ready(&s.deps.store, &fixture).await;
    let response = handle(&s.deps, event("delete-photo")).await;
    assert_eq!(response.status(), 403);
    assert!(s.deps.store.get_photo(&fixture.id).await.unwrap().is_some());
    assert!(queued(&s.deps.store).await.is_empty());

    let mut req = event("delete-photo");
    let params: std::collections::HashMap<String, String> =
        [("photoId".to_owned(), "not-a-photo".to_owned())].into();
    req = lambda_http::RequestExt::with_path_parameters(req, params);
    let response = handle(&s.deps, req).await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn deleting_a_photo_without_renditions_queues_no_purge() {
    let s = setup().await;
    let mut fixture = photo("pho_0000000000000fix", &s.cafe, "fixture-user", 10, 2);
    fixture.renditions.clear();
    s.deps.store.create_photo(&fixture).await.unwrap();
    let response = handle(&s.deps, event("delete-photo")).await;
    assert_eq!(response.status(), 204, "{:?}", json_body(&response));
    assert_eq!(s.deps.store.get_photo(&fixture.id).await.unwrap(), None);
    assert!(queued(&s.deps.store).await.is_empty());
}
