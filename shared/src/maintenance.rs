//! Data maintenance written over the ports, so it runs the same on DynamoDB and the embedded
//! store (`cargo run -p xtask -- reindex` and `migrate-authors`, and the local server on start).

use crate::domain::{ArtisanId, City, Location};
use crate::ports::{
    ArtisanReader, CafeReader, CatalogWriter, RatingChange, RatingWriter, RoasterReader, StoreError,
};
use crate::query::{CafeQuery, PageLimit, RoasterQuery};

/// Rewrites every café through [`CatalogWriter::put_cafe`], so each café partition holds
/// exactly the items the current key design derives from the profile: list entries, geo and
/// term index entries included. Idempotent; returns how many cafés were rewritten.
///
/// Use it after a release adds an index (the geo and term indexes did) to backfill cafés
/// written before.
/// It reads the `CAFES#ALL` list by name, one page at a time, and writes one café at a time,
/// so it can be stopped and re-run at any point.
///
/// On the way it rewrites every artisan a café names (backfilling the artisan list), and at
/// the end it replaces the city list with the tally of every café it read: the repair for
/// city counts, which `put_cafe` otherwise keeps current one city at a time.
pub async fn rewrite_cafes<S: CafeReader + CatalogWriter + ArtisanReader>(
    store: &S,
) -> Result<usize, StoreError> {
    let mut query = CafeQuery {
        limit: PageLimit::max(),
        ..CafeQuery::default()
    };
    let mut rewritten = 0;
    let mut locations: Vec<Location> = Vec::new();
    let mut artisans: std::collections::BTreeSet<ArtisanId> = std::collections::BTreeSet::new();
    loop {
        let page = store.list_cafes(&query).await?;
        for summary in &page.items {
            // A café deleted since the list page was read has nothing to rewrite.
            if let Some(cafe) = store.get_cafe(&summary.id).await? {
                store.put_cafe(&cafe).await?;
                artisans.extend(cafe.artisans.iter().map(|a| a.id.clone()));
                locations.push(cafe.location);
                rewritten += 1;
            }
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    for id in &artisans {
        if let Some(artisan) = store.get_artisan(id).await? {
            store.put_artisan(&artisan).await?;
        }
    }
    store.put_cities(&City::tally(&locations)).await?;
    Ok(rewritten)
}

/// What [`refresh_ratings`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RatingsRefreshed {
    /// Cafés whose items now show the sum of their shards.
    pub changed: usize,
    /// Cafés that already showed it.
    pub unchanged: usize,
}

/// Applies [`RatingWriter::apply_rating`] to every café (`CAFES#ALL`, one page at a time): the
/// repair when the stream consumer gave up on a batch (`RatingsDeadLetterQueue`), or after
/// loading reviews outside the review write path. Idempotent; safe to stop and re-run
/// (`cargo run -p xtask -- refresh-ratings`).
pub async fn refresh_ratings<S: CafeReader + RatingWriter>(
    store: &S,
) -> Result<RatingsRefreshed, StoreError> {
    let mut query = CafeQuery {
        limit: PageLimit::max(),
        ..CafeQuery::default()
    };
    let mut done = RatingsRefreshed::default();
    loop {
        let page = store.list_cafes(&query).await?;
        for summary in &page.items {
            match store.apply_rating(&summary.id).await? {
                RatingChange::Changed => done.changed += 1,
                RatingChange::Unchanged | RatingChange::NoCafe => done.unchanged += 1,
            }
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    Ok(done)
}

/// Rewrites every roaster through [`CatalogWriter::put_roaster`] (list and term entries), the
/// same way [`rewrite_cafes`] does for cafés. Idempotent; returns how many were rewritten.
pub async fn rewrite_roasters<S: RoasterReader + CatalogWriter>(
    store: &S,
) -> Result<usize, StoreError> {
    let mut query = RoasterQuery {
        limit: PageLimit::max(),
        ..RoasterQuery::default()
    };
    let mut rewritten = 0;
    loop {
        let page = store.list_roasters(&query).await?;
        for roaster in &page.items {
            // The list entry carries the whole roaster, so no second read is needed.
            store.put_roaster(roaster).await?;
            rewritten += 1;
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => return Ok(rewritten),
        }
    }
}

/// How many entities [`rewrite_catalog`] rewrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewritten {
    pub cafes: usize,
    pub roasters: usize,
    /// Whether café list entries or profiles were still found in the unsharded partitions
    /// (`CAFES#<dim>`, the sync list's `CAFES#UPDATED`) after the rewrite (a café written concurrently by an older release): run the reindex again.
    /// `false` is the condition for turning [`crate::store::keys::READ_UNSHARDED_CAFE_LISTS`]
    /// off (docs/capacity.md "Migration").
    pub unsharded_left: bool,
}

/// Rewrites every café (with its artisans and the city list) and roaster (`xtask reindex`, and
/// the local server's one-off backfill). Rewriting a café also moves its list entries from the
/// unsharded `CAFES#<dim>` partitions an older release wrote to their shards
/// (`CAFES#<dim>#S<k>`), and its profile from the unsharded sync list `CAFES#UPDATED` to its
/// shard (`CAFES#UPDATED#S<k>`, restamped like every café write, so partners fetch it again),
/// each item in the same write as the rest of its partition, so readers
/// (which merge both while the migration lasts) see every café exactly once throughout.
pub async fn rewrite_catalog<T: crate::store::ItemTable>(
    store: &T,
) -> Result<Rewritten, StoreError> {
    let cafes = rewrite_cafes(store).await?;
    let roasters = rewrite_roasters(store).await?;
    Ok(Rewritten {
        cafes,
        roasters,
        unsharded_left: unsharded_cafe_lists_remain(store).await?,
    })
}

/// Whether any café list entry or café profile is left in an unsharded partition: `CAFES#ALL`
/// or the sync list `CAFES#UPDATED` (one `Query` of one item each). Every café has an `ALL`
/// entry and a profile, and a café's entries and profile move together (one partition write),
/// so none left in those two means none left in any unsharded café list. Both are checked
/// because a store written between the two changes holds sharded lists and an unsharded sync
/// list.
pub async fn unsharded_cafe_lists_remain<T: crate::store::ItemTable>(
    store: &T,
) -> Result<bool, StoreError> {
    use crate::store::keys;
    for lpk in [keys::cafes_lpk(keys::ALL), keys::cafes_updated_lpk()] {
        let found = store
            .query_index(crate::store::SortIndex::ByName, &lpk, None, 1)
            .await?;
        if !found.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

pub use crate::store::{
    MigrationReport, SCHEMA_VERSION, Tally, record_schema_version, stored_schema_version,
};

/// Converts a store written before public user ids (`xtask migrate-authors`, and the local
/// server once, on start, when the schema marker is missing from a non-empty store).
///
/// The previous release named authors by the token subject: `Review.authorId`,
/// `Story.authorId` and `Photo.uploadedBy` held the `sub`, and the one-review marker was
/// `RATINGS#<cafe>` / `REVIEWER#<sub>`. Those documents no longer decode, so this works on raw
/// JSON: for each entity whose author is not a valid public id, it takes the old value as the
/// subject, derives the public id with `user_keys` (the same secret the functions use), and
/// rewrites exactly what the current write paths write, in one transaction per entity:
///
/// - a review: the review item (same `ver`: it is `updatedAt`, which does not change), its
///   entry in the author's list, and the marker moved from `REVIEWER#<sub>` to
///   `REVIEWER#<publicId>`; rating shards are untouched (the rating did not change);
/// - a story: the profile, now with `updatedAt` = `createdAt` and the version derived from
///   it, and every list entry, including the new `STORIES#USER#<publicId>` one;
/// - a ready photo: the profile (its `ver` kept) and its entry in the café's list.
///
/// Every author met gets a neutral profile ([`crate::domain::UserProfile::first`]) if they
/// have none, created before their content is converted. The entity's write is conditional
/// on its profile being as read (`ver` unchanged, or still unversioned for old stories), so a
/// concurrent write is never overwritten; such an entity is counted as `raced` and converted
/// by the next run. Idempotent: a second run finds everything current and writes nothing.
/// When nothing raced, it records the schema marker ([`SCHEMA_VERSION`]).
///
/// No Scan: it enumerates through the list indexes, the way a maintenance tool may (not a
/// request path): cafés in `CAFES#ALL`, each café's reviews (`REVIEWS#CAFE#<id>`) and ready
/// photos (`PHOTOS#CAFE#<id>`), and every story (`STORIES#ALL`). What it cannot reach, and
/// what happens to it:
///
/// - hourly write-limit windows `RATE#<sub>` / `WINDOW#<hour>`: they expire (TTL, two hours)
///   and are never read again, since limits are now counted per public id;
/// - idempotency records: a replayed response of an old write still shows the subject as
///   `authorId` until the record expires (24 hours);
/// - pending photos are in no list: they stay as they are. Their upload target expires ten
///   minutes after creation, so one created longer before the upgrade and still pending is
///   never uploaded; one whose upload or processing is in flight across the upgrade does not
///   decode in the worker (its message ends in the dead-letter queue) nor in
///   `GET /photos/{id}`. Upgrade with no uploads in flight to avoid it. Failed photos are
///   never listed or shown;
/// - reviews of a café no longer in `CAFES#ALL` (cafés are never deleted today).
pub async fn migrate_authors<T: crate::store::ItemTable>(
    table: &T,
    user_keys: &crate::identity::UserKeys,
) -> Result<MigrationReport, StoreError> {
    crate::store::migrate_authors(table, user_keys).await
}

/// Recomputes every user's recommendations (`shared::reco`) from the whole store and stores
/// them: the scheduled job (`xtask reco-refresh`, the local server on start). Reads the café
/// list, each café's profile and reviews, every story and the saves of every person who
/// reviewed or wrote; all by `Query`/`GetItem`, never a Scan. Returns how many users it wrote.
/// Saves of people who never reviewed or wrote a story are not seen (there is no list of users).
pub async fn refresh_recommendations<S>(
    store: &S,
    now: jiff::Timestamp,
) -> Result<usize, StoreError>
where
    S: CafeReader
        + crate::ports::ReviewReader
        + crate::ports::StoryReader
        + crate::ports::SavedCafeStore
        + crate::ports::RecommendationStore,
{
    use crate::domain::{PublicUserId, SavedCafe};
    let mut cafes = Vec::new();
    let mut reviews = Vec::new();
    let mut query = CafeQuery {
        limit: PageLimit::max(),
        ..CafeQuery::default()
    };
    loop {
        let page = store.list_cafes(&query).await?;
        for summary in &page.items {
            let Some(cafe) = store.get_cafe(&summary.id).await? else {
                continue;
            };
            let mut after = None;
            loop {
                let page = store
                    .list_reviews(&cafe.id, PageLimit::max(), after)
                    .await?;
                reviews.extend(page.items);
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            cafes.push(cafe);
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let mut stories = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_stories(
                &crate::ports::StoryFilter::default(),
                PageLimit::max(),
                after,
            )
            .await?;
        stories.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let people: std::collections::BTreeSet<PublicUserId> = reviews
        .iter()
        .map(|r| r.author_id.clone())
        .chain(stories.iter().map(|s| s.author_id.clone()))
        .collect();
    let mut saves = Vec::new();
    for user in &people {
        // The save time is not needed to learn from a save; the job runs at `now`.
        for cafe_id in store.list_saved_cafes_raw(user, PageLimit::max()).await? {
            saves.push((
                user.clone(),
                SavedCafe {
                    cafe_id,
                    saved_at: now,
                },
            ));
        }
    }
    let all = crate::reco::interactions(&reviews, &saves, &stories);
    let model = crate::reco::Model::train(&cafes, &all);
    let mut written = 0;
    for user in &people {
        store
            .put_recommendations(&model.recommend(user, now))
            .await?;
        written += 1;
    }
    Ok(written)
}
