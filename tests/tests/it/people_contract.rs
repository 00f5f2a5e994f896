//! Contract suite for the people ports (`UserReader`, `UserWriter`, `SavedCafeStore`), the
//! per-author review list and the bulk people import, on both adapters: `embedded::…` and
//! `dynamodb_over_http_moto::…`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use shared::domain::{
    Author, CafeId, PublicUserId, Rating, RatingSummary, Review, ReviewDraft, ReviewId, ReviewText,
    SavedCafe, Story, StoryId, UserProfile,
};
use shared::ports::{
    CatalogWriter, ProfileWriteError, ReviewReader, ReviewWriter, SavedCafeStore, StoryWriter,
    UserReader, UserWriter,
};
use shared::query::PageLimit;
use shared::store::reviews::ReviewStore;
use shared::store::{ItemTable, PeopleBatch, import_people};

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + second).unwrap()
}

fn user(sub: &str) -> PublicUserId {
    shared::testing::public_id(sub)
}

async fn profiles_are_created_once_and_edited_with_a_version_check<S: UserReader + UserWriter>(
    store: S,
) {
    let ana = user("ana");
    assert_eq!(store.get_profile(&ana).await.unwrap(), None);
    let first = UserProfile::first(ana.clone(), at(0));
    assert_eq!(store.ensure_profile(&first).await.unwrap(), first);
    // A second "first call" finds the stored profile and keeps it.
    let later = UserProfile::first(ana.clone(), at(60));
    assert_eq!(store.ensure_profile(&later).await.unwrap(), first);

    let edited = first.edited(
        shared::domain::ProfileDraft {
            display_name: "Ana".to_owned(),
            bio: Some("Filter first.".to_owned()),
            home_city: Some("Porto".to_owned()),
            taste_methods: Some(shared::domain::taste_methods(["v60"]).unwrap()),
        },
        at(120),
    );
    store.update_profile(&first, &edited).await.unwrap();
    assert_eq!(store.get_profile(&ana).await.unwrap(), Some(edited.clone()));
    // An edit based on a stale read changes nothing.
    assert!(matches!(
        store
            .update_profile(
                &first,
                &first.edited(
                    shared::domain::ProfileDraft {
                        display_name: "Stale".to_owned(),
                        bio: None,
                        home_city: None,
                        taste_methods: None,
                    },
                    at(180),
                )
            )
            .await,
        Err(ProfileWriteError::Conflict)
    ));
    assert_eq!(store.get_profile(&ana).await.unwrap(), Some(edited));
}

async fn authors_are_resolved_in_order_with_a_neutral_name_for_unknown_people<
    S: UserReader + UserWriter,
>(
    store: S,
) {
    let known: Vec<PublicUserId> = (0..130).map(|i| user(&format!("user-{i}"))).collect();
    for (i, id) in known.iter().enumerate() {
        let mut profile = UserProfile::first(id.clone(), at(0));
        profile.display_name = format!("Person {i}");
        store.ensure_profile(&profile).await.unwrap();
    }
    let stranger = user("nobody");
    // More than one batch read (100 keys), repeats, and someone without a profile.
    let mut asked: Vec<PublicUserId> = known.iter().rev().cloned().collect();
    asked.push(known[0].clone());
    asked.push(stranger.clone());
    let authors = store.authors(&asked).await.unwrap();
    assert_eq!(authors.len(), asked.len());
    for (id, author) in asked.iter().zip(&authors) {
        assert_eq!(&author.id, id);
    }
    assert_eq!(authors[0].display_name, "Person 129");
    assert_eq!(authors[130].display_name, "Person 0");
    assert_eq!(authors[131], Author::unnamed(stranger));
    assert!(store.authors(&[]).await.unwrap().is_empty());
}

async fn saved_cafes_are_idempotent_newest_first_and_joined_with_current_summaries<
    S: SavedCafeStore + CatalogWriter,
>(
    store: S,
) {
    let f = tests::fixtures::fixtures();
    tests::fixtures::load(&store, &f).await;
    let ana = user("ana");
    let ben = user("ben");
    let cafes: Vec<CafeId> = f.cafes.iter().map(|c| c.id.clone()).collect();
    for (i, cafe) in cafes.iter().take(5).enumerate() {
        let saved = SavedCafe {
            cafe_id: cafe.clone(),
            saved_at: at(i as i64),
        };
        assert!(store.save_cafe(&ana, &saved).await.unwrap(), "first save");
    }
    // Saving again keeps the first save (and its time).
    let again = SavedCafe {
        cafe_id: cafes[0].clone(),
        saved_at: at(1_000),
    };
    assert!(!store.save_cafe(&ana, &again).await.unwrap());
    store
        .save_cafe(
            &ben,
            &SavedCafe {
                cafe_id: cafes[1].clone(),
                saved_at: at(0),
            },
        )
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_saved_cafes(&ana, PageLimit::new(2).unwrap(), after)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|s| (s.cafe.id.clone(), s.saved_at)));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let expected: Vec<(CafeId, Timestamp)> = (0..5)
        .rev()
        .map(|i| (cafes[i].clone(), at(i as i64)))
        .collect();
    assert_eq!(seen, expected, "newest first, each once, first save kept");
    let first = store
        .list_saved_cafes(&ana, PageLimit::max(), None)
        .await
        .unwrap();
    assert_eq!(
        first.items[0].cafe.name, f.cafes[4].name,
        "the café's summary"
    );

    store.unsave_cafe(&ana, &cafes[4]).await.unwrap();
    store.unsave_cafe(&ana, &cafes[4]).await.unwrap();
    let left = store
        .list_saved_cafes(&ana, PageLimit::max(), None)
        .await
        .unwrap();
    assert_eq!(left.items.len(), 4);
    let bens = store
        .list_saved_cafes(&ben, PageLimit::max(), None)
        .await
        .unwrap();
    assert_eq!(bens.items.len(), 1, "saves are per user");
}

fn review(n: u128, cafe: &CafeId, author: &PublicUserId, stars: i64, second: i64) -> Review {
    Review::new(
        ReviewId::from_entropy(n),
        cafe.clone(),
        author.clone(),
        ReviewDraft {
            rating: Rating::new(stars).unwrap(),
            text: ReviewText::parse("Clean, sweet filter and friendly staff.").unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        at(second),
    )
}

async fn a_persons_reviews_follow_creates_edits_and_deletes<T: ItemTable>(table: T) {
    let store = ReviewStore::new(table, "eu-west-1");
    let ana = user("ana");
    let ben = user("ben");
    let reviews: Vec<Review> = (1..=4)
        .map(|i| review(i, &CafeId::from_entropy(i), &ana, 4, i as i64))
        .collect();
    for r in &reviews {
        store.create_review(r).await.unwrap();
    }
    store
        .create_review(&review(9, &CafeId::from_entropy(1), &ben, 2, 9))
        .await
        .unwrap();
    let ids = |page: Vec<Review>| page.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_user_reviews(&ana, PageLimit::new(3).unwrap(), after)
            .await
            .unwrap();
        all.extend(ids(page.items));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let newest_first: Vec<ReviewId> = reviews.iter().rev().map(|r| r.id.clone()).collect();
    assert_eq!(all, newest_first);

    let edited = reviews[0].edited(
        ReviewDraft {
            rating: Rating::new(2).unwrap(),
            text: ReviewText::parse("Second visit was disappointing, sadly.").unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        at(100),
    );
    store.update_review(&reviews[0], &edited).await.unwrap();
    store.delete_review(&reviews[1]).await.unwrap();
    let listed = store
        .list_user_reviews(&ana, PageLimit::max(), None)
        .await
        .unwrap()
        .items;
    assert_eq!(listed.len(), 3, "the deleted review left the list");
    assert!(listed.contains(&edited), "the list holds the edited review");
    let bens = store
        .list_user_reviews(&ben, PageLimit::max(), None)
        .await
        .unwrap();
    assert_eq!(bens.items.len(), 1);
}

async fn importing_people_counts_reviews_exactly_once<T: ItemTable + Clone>(table: T) {
    let cafe = CafeId::from_entropy(1);
    let people: Vec<UserProfile> = (0..3)
        .map(|i| UserProfile::first(user(&format!("p{i}")), at(0)))
        .collect();
    let reviews: Vec<Review> = people
        .iter()
        .enumerate()
        .map(|(i, p)| review(i as u128 + 1, &cafe, &p.id, i as i64 + 3, i as i64))
        .collect();
    let saved = vec![(
        people[0].id.clone(),
        SavedCafe {
            cafe_id: cafe.clone(),
            saved_at: at(5),
        },
    )];
    let batch = PeopleBatch {
        users: &people,
        reviews: &reviews,
        stories: &[],
        saved: &saved,
    };
    import_people(&table, "seed", &batch).await.unwrap();
    import_people(&table, "seed", &batch).await.unwrap();
    let store = ReviewStore::new(table.clone(), "eu-west-1");
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 0, 1, 1, 1]),
        "imported twice, counted once"
    );
    assert_eq!(
        store
            .list_reviews(&cafe, PageLimit::max(), None)
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    assert_eq!(
        table.get_profile(&people[1].id).await.unwrap(),
        Some(people[1].clone())
    );
    // One review per author holds for imported reviews too.
    let duplicate = review(99, &cafe, &people[0].id, 1, 50);
    assert!(store.create_review(&duplicate).await.is_err());
    // Later writes in a region add to that region's shard; the summary stays exact.
    store.delete_review(&reviews[2]).await.unwrap();
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 0, 1, 1, 0])
    );
    let saved_list = table
        .list_saved_cafes(&people[0].id, PageLimit::max(), None)
        .await
        .unwrap();
    assert!(
        saved_list.items.is_empty(),
        "no café summary loaded, so none is listed"
    );
}

async fn erasing_an_account_removes_everything_and_keeps_ratings_exact<T: ItemTable + Clone>(
    table: T,
) {
    use shared::ports::{StoryFilter, StoryReader, StoryWriter};
    let reviews = ReviewStore::new(table.clone(), "eu-west-1");
    let ana = user("ana");
    let ben = user("ben");
    table
        .ensure_profile(&UserProfile::first(ana.clone(), at(0)))
        .await
        .unwrap();
    let cafes: Vec<CafeId> = (1..=6).map(CafeId::from_entropy).collect();
    for (i, cafe) in cafes.iter().enumerate() {
        let n = i as u128;
        reviews
            .create_review(&review(100 + n, cafe, &ana, 5, i as i64))
            .await
            .unwrap();
        reviews
            .create_review(&review(200 + n, cafe, &ben, 2, i as i64))
            .await
            .unwrap();
        let saved = SavedCafe {
            cafe_id: cafe.clone(),
            saved_at: at(i as i64),
        };
        table.save_cafe(&ana, &saved).await.unwrap();
    }
    for n in 0..4u128 {
        let story = shared::domain::Story::new(
            shared::domain::StoryId::from_entropy(300 + n),
            if n < 3 { ana.clone() } else { ben.clone() },
            shared::domain::StoryDraft {
                title: format!("Story {n}"),
                body: "Body".to_owned(),
                tags: vec![],
                cafe_ids: vec![cafes[0].clone()],
            },
            at(n as i64),
        );
        table.create_story(&story).await.unwrap();
    }
    // Two photos: one ready (listed under its café), one still pending.
    use shared::ports::{PhotoReader, PhotoWriter};
    let photo = |n: u128| shared::domain::Photo {
        id: shared::domain::PhotoId::from_entropy(400 + n),
        cafe_id: cafes[0].clone(),
        uploaded_by: ana.clone(),
        caption: None,
        content_type: shared::domain::UploadType::Jpeg,
        content_length: 1_000,
        status: shared::domain::PhotoStatus::Pending,
        renditions: vec![],
        failure_reason: None,
        created_at: at(n as i64),
        updated_at: at(n as i64),
    };
    for n in 0..2 {
        table.create_photo(&photo(n)).await.unwrap();
    }
    let ready = shared::domain::PhotoOutcome::Ready {
        renditions: vec![],
        content_type: shared::domain::UploadType::Jpeg,
    };
    table
        .finish_photo(&photo(0).id, ready, at(10))
        .await
        .unwrap();
    assert_eq!(
        table
            .user_photo_ids(&ana, PageLimit::max(), None)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    // A consent to a partner: the partner finds ana by her pseudonym until the erasure.
    use shared::ports::{ConsentStore, PartnerStore};
    let partner = shared::domain::partner::Partner::new(
        shared::domain::PartnerId::from_entropy(1),
        "Bean Maps",
        shared::domain::partner::Tier::Free,
        at(0),
    )
    .unwrap();
    table.create_partner(&partner).await.unwrap();
    let pseudonym = shared::testing::user_keys().partner_user_id(&partner.id, &ana);
    table
        .grant_consent(&shared::domain::partner::Consent {
            partner_id: partner.id.clone(),
            user_id: ana.clone(),
            partner_user_id: pseudonym.clone(),
            granted_at: at(1),
        })
        .await
        .unwrap();
    // Recommendations the job made for ana.
    use shared::ports::RecommendationStore;
    let recs = shared::reco::UserRecommendations {
        user_id: ana.clone(),
        computed_at: at(2),
        cafes: Vec::new(),
        roasters: Vec::new(),
        beans: Vec::new(),
    };
    table.put_recommendations(&recs).await.unwrap();
    assert_eq!(table.recommendations_of(&ana).await.unwrap(), Some(recs));
    let mut calls = 0;
    let mut total = shared::account::Erasure::default();
    loop {
        calls += 1;
        let done = shared::account::erase(&table, &reviews, &ana, 4)
            .await
            .unwrap();
        total.reviews += done.reviews;
        total.stories += done.stories;
        total.saved_cafes += done.saved_cafes;
        total.photos += done.photos;
        if done.complete {
            break;
        }
        assert!(calls < 20, "erasure makes progress");
    }
    assert!(
        calls > 1,
        "a small budget spreads the work over several calls"
    );
    assert_eq!(
        (
            total.reviews,
            total.stories,
            total.saved_cafes,
            total.photos
        ),
        (6, 3, 6, 2)
    );
    // Photos stay (they show the café) but name nobody.
    for n in 0..2 {
        let kept = table.get_photo(&photo(n).id).await.unwrap().unwrap();
        assert_eq!(kept.uploaded_by, shared::domain::former_member());
    }
    let listed = table
        .list_cafe_photos(&cafes[0], PageLimit::max(), None)
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].uploaded_by, shared::domain::former_member());
    assert!(
        table
            .user_photo_ids(&ana, PageLimit::max(), None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(table.get_profile(&ana).await.unwrap(), None);
    assert!(
        reviews
            .list_user_reviews(&ana, PageLimit::max(), None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        table
            .list_saved_cafes_raw(&ana, PageLimit::max())
            .await
            .unwrap()
            .is_empty()
    );
    let by = |u: &PublicUserId| StoryFilter {
        author: Some(u.clone()),
        ..StoryFilter::default()
    };
    assert!(
        table
            .list_stories(&by(&ana), PageLimit::max(), None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        table
            .list_stories(&by(&ben), PageLimit::max(), None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    for cafe in &cafes {
        assert_eq!(
            reviews.rating_summary(cafe).await.unwrap(),
            RatingSummary::from_histogram([0, 1, 0, 0, 0]),
            "only ben's review is counted"
        );
        // Ana may review the café again as a new person would.
    }
    assert_eq!(
        table.consent_of(&partner.id, &pseudonym).await.unwrap(),
        None
    );
    assert_eq!(table.recommendations_of(&ana).await.unwrap(), None);
    assert!(table.consents(&ana).await.unwrap().is_empty());
    // Erasing again is harmless.
    let again = shared::account::erase(&table, &reviews, &ana, 4)
        .await
        .unwrap();
    assert!(again.complete);
}

async fn exporting_an_account_returns_everything_stored<T: ItemTable + Clone>(table: T) {
    let reviews = ReviewStore::new(table.clone(), "eu-west-1");
    let ana = user("ana");
    let profile = UserProfile::first(ana.clone(), at(0));
    table.ensure_profile(&profile).await.unwrap();
    for i in 0..3u128 {
        reviews
            .create_review(&review(
                i + 1,
                &CafeId::from_entropy(i + 1),
                &ana,
                4,
                i as i64,
            ))
            .await
            .unwrap();
    }
    let story = Story::new(
        StoryId::from_entropy(7),
        ana.clone(),
        shared::domain::StoryDraft {
            title: "Three cups".to_owned(),
            body: "A long afternoon of pour-overs.".to_owned(),
            tags: Vec::new(),
            cafe_ids: vec![CafeId::from_entropy(1)],
        },
        at(5),
    );
    table.create_story(&story).await.unwrap();
    let f = tests::fixtures::fixtures();
    tests::fixtures::load(&table, &f).await;
    for (i, cafe) in f.cafes.iter().take(3).enumerate() {
        table
            .save_cafe(
                &ana,
                &SavedCafe {
                    cafe_id: cafe.id.clone(),
                    saved_at: at(i as i64 + 10),
                },
            )
            .await
            .unwrap();
    }
    // Pages of two: resuming mid-part and across parts lists each entry once, in export order.
    let (entries, pages) = export_all(&table, &ana, 2).await;
    let kinds: Vec<&str> = entries.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(
        kinds,
        [
            "profile",
            "review",
            "review",
            "review",
            "story",
            "savedCafe",
            "savedCafe",
            "savedCafe"
        ]
    );
    // 4 pages, or 5 where the store cannot tell that a full page was the last.
    assert!(
        (4..=5).contains(&pages),
        "8 entries in pages of two: {pages} pages"
    );
    let reviews: Vec<&str> = entries
        .iter()
        .filter(|(kind, _)| *kind == "review")
        .map(|(_, id)| id.as_str())
        .collect();
    let mut unique = reviews.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 3, "each review once: {reviews:?}");
    assert_eq!(entries[0].1, ana.as_str());
    assert_eq!(entries[4].1, story.id.as_str());
    // One big page holds everything too.
    let (all, pages) = export_all(&table, &ana, 100).await;
    assert_eq!(all, entries);
    assert_eq!(pages, 1, "a small account is one page");

    let (nothing, pages) = export_all(&table, &user("nobody"), 100).await;
    assert!(nothing.is_empty());
    assert_eq!(pages, 1, "an empty account is one empty page");
}

/// Pages through `user`'s export `limit` entries at a time: each entry's kind and id (the
/// café's id for a saved café), and the number of pages read.
async fn export_all<T: ItemTable>(
    table: &T,
    user: &PublicUserId,
    limit: u32,
) -> (Vec<(&'static str, String)>, usize) {
    use shared::account::{ExportEntry, ExportPosition, export_page};
    let limit = shared::query::PageLimit::new(limit).unwrap();
    let mut at = ExportPosition::start();
    let mut entries = Vec::new();
    let mut pages = 0;
    loop {
        let page = export_page(table, user, at, limit).await.unwrap();
        pages += 1;
        assert_eq!(page.entries.len(), page.keys.len());
        assert!(page.entries.len() <= limit.get());
        entries.extend(page.entries.iter().map(|e| match e {
            ExportEntry::Profile(p) => ("profile", p.id.as_str().to_owned()),
            ExportEntry::Review(r) => ("review", r.id.as_str().to_owned()),
            ExportEntry::Story(s) => ("story", s.id.as_str().to_owned()),
            ExportEntry::Photo(p) => ("photo", p.photo.id.as_str().to_owned()),
            ExportEntry::SavedCafe(c) => ("savedCafe", c.cafe.id.as_str().to_owned()),
        }));
        match page.next {
            Some(next) => at = next,
            None => return (entries, pages),
        }
    }
}

tests::contract_suite!(
    erasing_an_account_removes_everything_and_keeps_ratings_exact,
    exporting_an_account_returns_everything_stored,
    profiles_are_created_once_and_edited_with_a_version_check,
    authors_are_resolved_in_order_with_a_neutral_name_for_unknown_people,
    saved_cafes_are_idempotent_newest_first_and_joined_with_current_summaries,
    a_persons_reviews_follow_creates_edits_and_deletes,
    importing_people_counts_reviews_exactly_once,
);
