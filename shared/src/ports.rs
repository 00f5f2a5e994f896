//! Store ports: the narrow capabilities each function is given.
//!
//! Each trait lines up with one IAM policy in template.yaml: a function that only reads cafés
//! gets a `CafeReader` and a role that can only `Query`/`GetItem`. Both adapters implement every
//! port, and `tests/` runs one contract suite per port against each of them.

use std::future::Future;

use crate::domain::{
    Artisan, ArtisanId, Author, BrewingMethod, BucketPolicy, Cafe, CafeId, CafeSummary,
    ChangedCafe, City, CoverPhoto, Photo, PhotoId, PhotoOutcome, PublicUserId, Quota,
    RatingSummary, Review, ReviewId, Roaster, RoasterId, SavedCafe, SavedCafeView, Slug, Story,
    StoryId, UploadType, UserProfile, WriteAction,
};
use crate::query::{CafeQuery, NearbyPage, NearbyQuery, Page, PageKey, PageLimit, RoasterQuery};
use crate::upload::UploadTarget;

/// Why a store call failed. Callers map every variant to an opaque 5xx (or 503 when
/// retrying later may help); the cause chain goes to the logs, never to clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backing service refused or failed the request (network, throttling, permissions).
    #[error("store backend failed: {operation}")]
    Backend {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The backing service is overloaded; retrying later may succeed.
    #[error("store is throttling requests: {operation}")]
    Throttled { operation: &'static str },
    /// The backing service did not answer in time, dropped the connection, answered 5xx, or
    /// failed so often that its circuit breaker is open; retrying later may succeed.
    #[error("store unavailable: {operation}")]
    Unavailable {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An item in the store does not decode into the domain type it should hold.
    #[error("stored item {pk}/{sk} is corrupt")]
    Corrupt {
        pk: String,
        sk: String,
        #[source]
        source: serde_json::Error,
    },
}

/// The health check's read: is this region's copy of the table answering?
pub trait ReplicaProbe: Send + Sync {
    /// One single-item read (the schema marker; its absence is still an answer). Errors mean
    /// the replica did not answer.
    fn probe(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Reads cafés: list with filters and sort, and full profiles.
pub trait CafeReader: Send + Sync {
    /// One page of cafés matching the query. A page may hold fewer than `limit` items even when
    /// more follow (a bounded amount of work is done per call); only `next == None` means the end.
    fn list_cafes(
        &self,
        query: &CafeQuery,
    ) -> impl Future<Output = Result<Page<CafeSummary>, StoreError>> + Send;

    /// A café's full profile.
    fn get_cafe(
        &self,
        id: &CafeId,
    ) -> impl Future<Output = Result<Option<Cafe>, StoreError>> + Send;
}

/// Catalogue sync: cafés by the instant of their last change (catalogue write, rating refresh,
/// cover change), oldest change first, then by id.
pub trait CafeSync: Send + Sync {
    /// One page of cafés changed at or after `since` (or, with `after`, following that cursor
    /// position), ascending by `(updated_at, id)`. One index read per page; `next == None` only
    /// at the end.
    fn cafes_changed_since(
        &self,
        since: jiff::Timestamp,
        after: Option<&PageKey>,
        limit: PageLimit,
    ) -> impl Future<Output = Result<Page<ChangedCafe>, StoreError>> + Send;
}

/// Finds cafés near a point, nearest first, through the geo index.
pub trait NearbyReader: Send + Sync {
    /// One page of cafés within the query's radius that pass its filters, ordered by distance
    /// (then id). Exact: the same set a brute-force scan with the same distance would return.
    fn nearby_cafes(
        &self,
        query: &NearbyQuery,
    ) -> impl Future<Output = Result<NearbyPage, StoreError>> + Send;
}

/// Reads roasters and the cafés they supply.
pub trait RoasterReader: Send + Sync {
    /// One page of roasters by name.
    fn list_roasters(
        &self,
        query: &RoasterQuery,
    ) -> impl Future<Output = Result<Page<Roaster>, StoreError>> + Send;

    /// A roaster by id.
    fn get_roaster(
        &self,
        id: &RoasterId,
    ) -> impl Future<Output = Result<Option<Roaster>, StoreError>> + Send;

    /// The first `limit` cafés (by name) serving this roaster's beans.
    fn roaster_cafes(
        &self,
        id: &RoasterId,
        limit: PageLimit,
    ) -> impl Future<Output = Result<Page<CafeSummary>, StoreError>> + Send;
}

/// Reads artisans.
pub trait ArtisanReader: Send + Sync {
    /// An artisan by id.
    fn get_artisan(
        &self,
        id: &ArtisanId,
    ) -> impl Future<Output = Result<Option<Artisan>, StoreError>> + Send;

    /// One page of artisans by name.
    fn list_artisans(
        &self,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<Artisan>, StoreError>> + Send;
}

/// Reads the city list.
pub trait CityReader: Send + Sync {
    /// Every city with at least one café, by name. The set is small (one entry per city).
    fn list_cities(&self) -> impl Future<Output = Result<Vec<City>, StoreError>> + Send;
}

/// What a cover change did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoverChange {
    /// The café's profile and list entries now show the new cover (or none).
    Changed,
    /// The café already shows a cover at least as new (or not the withdrawn photo).
    Unchanged,
    /// No such café.
    NoCafe,
}

/// Keeps a café's cover photo current (the photo worker and photo deletion).
pub trait CoverWriter: Send + Sync {
    /// Makes `cover` the café's cover unless its current cover is newer. A conditional write
    /// on the café profile's version, retried on conflict, so an older photo finishing late
    /// never replaces a newer cover.
    fn offer_cover(
        &self,
        cafe: &CafeId,
        cover: &CoverPhoto,
    ) -> impl Future<Output = Result<CoverChange, StoreError>> + Send;

    /// If the café's cover is photo `removed`, replaces it with `next` (the next newest ready
    /// photo, or none). Same conditional write as [`CoverWriter::offer_cover`].
    fn withdraw_cover(
        &self,
        cafe: &CafeId,
        removed: &PhotoId,
        next: Option<CoverPhoto>,
    ) -> impl Future<Output = Result<CoverChange, StoreError>> + Send;
}

/// What a rating refresh did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatingChange {
    /// The café's profile and its list, geo and term entries now show the current summary.
    Changed,
    /// They already showed it: nothing was written.
    Unchanged,
    /// No such café: nothing was written.
    NoCafe,
}

/// Keeps the rating a café's items show (profile `rating`, the summaries in its list, geo and
/// term entries, and the list entries' rating sort key) equal to the sum of its rating shards.
/// The stream consumer `refresh-ratings` (and the local server after a review write) calls it;
/// review writes themselves never touch a café.
pub trait RatingWriter: Send + Sync {
    /// Recomputes the café's summary from its shards (consistent read, after reading the
    /// profile) and writes it in one transaction conditioned on the profile's version,
    /// re-reading on conflict. Only rating fields change, so a concurrent catalogue edit or
    /// cover change is never undone, and since the summary is read at apply time, a late or
    /// redelivered trigger never writes an older one. No write when nothing changed.
    fn apply_rating(
        &self,
        cafe: &CafeId,
    ) -> impl Future<Output = Result<RatingChange, StoreError>> + Send;
}

/// The author marker of a review (`RATINGS#<cafe>` / `REVIEWER#<author>`): which review of this
/// author counts in the café's rating, with how many stars, and which region's shard counts it.
/// Every create, edit and delete rewrites it (a delete leaves a tombstone, `stars: None`), in the
/// same transaction as the review. docs/reviews.md, "Across regions".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewMarker {
    /// The review this version counts (for a tombstone: the review it deleted).
    pub review_id: ReviewId,
    /// Its stars, counted in `region`'s shard; `None` for a tombstone (counts nothing).
    pub stars: Option<u8>,
    /// The review version (`updatedAt`, microseconds) this marker version was written with.
    pub review_version: i64,
    /// The region whose shard counts `stars`; `None` for a marker written before markers
    /// carried one (a bare review id), whose count whoever replaces it takes back.
    pub region: Option<String>,
    /// This write (microseconds, strictly above `prev`); also the item's version.
    pub seq: i64,
    /// The marker version this write replaced, as the writing region saw it.
    pub prev: Option<i64>,
}

/// What settling one replaced marker version did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settlement {
    /// This region's shard gave back the replaced version's star (now, not on an earlier
    /// delivery of the same change).
    pub released: bool,
    /// The replaced version's review, which the new version does not name, was deleted here.
    pub removed_review: bool,
}

/// Hands back what this region counted for an author marker version of its own once a version
/// written in another region replaced it (replication is last-writer-wins per item): the star in
/// this region's shard, and the review itself when the winner names another review. The stream
/// consumer `refresh-ratings` calls it for every marker change it sees; idempotent, so a
/// redelivered record changes nothing.
pub trait MarkerSettler: Send + Sync {
    /// `old` and `new` are the marker before and after the change (`new` is `None` if the item
    /// was removed). Does nothing unless `old` was written by this region and `new` was not.
    fn settle_marker(
        &self,
        cafe: &CafeId,
        author: &PublicUserId,
        old: &ReviewMarker,
        new: Option<&ReviewMarker>,
    ) -> impl Future<Output = Result<Settlement, StoreError>> + Send;
}

/// Reads brewing guides.
pub trait BrewingMethodReader: Send + Sync {
    /// Every brewing method, by name. The set is small and curated.
    fn list_brewing_methods(
        &self,
    ) -> impl Future<Output = Result<Vec<BrewingMethod>, StoreError>> + Send;

    /// A brewing method by slug.
    fn get_brewing_method(
        &self,
        slug: &Slug,
    ) -> impl Future<Output = Result<Option<BrewingMethod>, StoreError>> + Send;
}

/// Many catalogue entities to load at once (seeding, imports).
#[derive(Clone, Copy, Debug, Default)]
pub struct CatalogBatch<'a> {
    pub cafes: &'a [Cafe],
    pub roasters: &'a [Roaster],
    pub artisans: &'a [Artisan],
    pub brewing_methods: &'a [BrewingMethod],
}

/// Writes catalogue entries (seeding and back-office tools; no public endpoint writes these).
pub trait CatalogWriter: Send + Sync {
    /// Inserts or replaces a café with all its index entries.
    fn put_cafe(&self, cafe: &Cafe) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts or replaces a roaster.
    fn put_roaster(&self, roaster: &Roaster)
    -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts or replaces an artisan.
    fn put_artisan(&self, artisan: &Artisan)
    -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts or replaces a brewing method.
    fn put_brewing_method(
        &self,
        method: &BrewingMethod,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Makes the city list hold exactly `cities` (entries of other cities are deleted). The
    /// maintenance rewrite passes the tally of the whole catalogue.
    fn put_cities(&self, cities: &[City]) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Loads entities the store does not hold yet, in as few round-trips as the backend
    /// allows. Not atomic across entities, and it does not remove list entries an earlier
    /// version of an entity left behind: use the `put_*` methods to change existing entities.
    fn import(
        &self,
        batch: &CatalogBatch<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Why a review write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ReviewWriteError {
    /// The author already reviewed this café; the existing review's id.
    #[error("the author already reviewed this café")]
    Duplicate { existing: ReviewId },
    /// The review changed or disappeared since it was read.
    #[error("the review changed since it was read")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads reviews and rating summaries.
pub trait ReviewReader: Send + Sync {
    /// A café's reviews, newest first.
    fn list_reviews(
        &self,
        cafe: &CafeId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<Review>, StoreError>> + Send;

    /// A user's reviews, newest first.
    fn list_user_reviews(
        &self,
        user: &PublicUserId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<Review>, StoreError>> + Send;

    /// A review by id.
    fn get_review(
        &self,
        id: &ReviewId,
    ) -> impl Future<Output = Result<Option<Review>, StoreError>> + Send;

    /// The exact aggregate of the café's current reviews.
    fn rating_summary(
        &self,
        cafe: &CafeId,
    ) -> impl Future<Output = Result<RatingSummary, StoreError>> + Send;
}

/// Creates, edits and deletes reviews, keeping the rating summary exact.
pub trait ReviewWriter: Send + Sync {
    /// Stores a new review; one per author per café.
    fn create_review(
        &self,
        review: &Review,
    ) -> impl Future<Output = Result<(), ReviewWriteError>> + Send;
    /// Replaces `before` (as read) with `after`; `Conflict` if it changed meanwhile.
    fn update_review(
        &self,
        before: &Review,
        after: &Review,
    ) -> impl Future<Output = Result<(), ReviewWriteError>> + Send;
    /// Deletes `review` (as read); `Conflict` if it changed meanwhile.
    fn delete_review(
        &self,
        review: &Review,
    ) -> impl Future<Output = Result<(), ReviewWriteError>> + Send;
}

/// A response kept for idempotent replays.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// The outcome of claiming an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use of the key (or its record expired): run the operation.
    Acquired,
    /// Completed before with the same payload: answer with the stored response.
    Replay(StoredResponse),
    /// Another request with this key is running now; retry shortly.
    InProgress,
    /// The key was used with a different payload.
    PayloadMismatch,
}

/// Idempotency records (the semantics of Powertools for AWS Lambda's idempotency utility).
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for `payload_hash` at `now` (epoch seconds).
    fn claim(
        &self,
        key: &str,
        payload_hash: &str,
        now: i64,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;
    /// Stores the response of a completed operation for replays until it expires.
    fn complete(
        &self,
        key: &str,
        payload_hash: &str,
        response: &StoredResponse,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Forgets a claim whose operation failed, so the client can retry with the same key.
    fn release(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Spends write tokens: one token bucket per (user, action).
pub trait WriteLimiter: Send + Sync {
    /// Takes one token from `user`'s `action` bucket at `now_ms` (epoch milliseconds) under
    /// `policy`, atomically: concurrent callers never spend more tokens than the bucket holds.
    /// A refusal (`allowed == false`) changes nothing and says when the next token comes.
    fn take_token(
        &self,
        user: &PublicUserId,
        action: WriteAction,
        policy: BucketPolicy,
        now_ms: i64,
    ) -> impl Future<Output = Result<Quota, StoreError>> + Send;
}

/// Filters on the story list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoryFilter {
    pub cafe: Option<CafeId>,
    pub tag: Option<Slug>,
    pub author: Option<PublicUserId>,
}

/// Reads stories.
pub trait StoryReader: Send + Sync {
    /// Stories matching `filter`, newest first.
    fn list_stories(
        &self,
        filter: &StoryFilter,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<Story>, StoreError>> + Send;

    /// A story by id.
    fn get_story(
        &self,
        id: &StoryId,
    ) -> impl Future<Output = Result<Option<Story>, StoreError>> + Send;
}

/// Why a story edit or deletion did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StoryWriteError {
    /// The story changed or disappeared since it was read.
    #[error("the story changed since it was read")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Publishes, edits and deletes stories.
pub trait StoryWriter: Send + Sync {
    /// Stores a new story with its list entries (all, author, per café, per tag) in one
    /// transaction.
    fn create_story(&self, story: &Story) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces `before` (as read) with `after` and moves its list entries, in one transaction;
    /// `Conflict` if it changed meanwhile.
    fn update_story(
        &self,
        before: &Story,
        after: &Story,
    ) -> impl Future<Output = Result<(), StoryWriteError>> + Send;

    /// Deletes `story` (as read) and every list entry, in one transaction; `Conflict` if it
    /// changed meanwhile.
    fn delete_story(
        &self,
        story: &Story,
    ) -> impl Future<Output = Result<(), StoryWriteError>> + Send;
}

/// Reads people: profiles and the author references responses carry.
pub trait UserReader: Send + Sync {
    /// A user's profile.
    fn get_profile(
        &self,
        id: &PublicUserId,
    ) -> impl Future<Output = Result<Option<UserProfile>, StoreError>> + Send;

    /// The author reference of each id, in the same order (a neutral name where no profile
    /// exists). One batch read per 100 distinct ids.
    fn authors(
        &self,
        ids: &[PublicUserId],
    ) -> impl Future<Output = Result<Vec<Author>, StoreError>> + Send;
}

/// Why a profile edit did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ProfileWriteError {
    /// The profile changed since it was read.
    #[error("the profile changed since it was read")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates and edits profiles.
pub trait UserWriter: Send + Sync {
    /// Stores `first` unless the user has a profile; returns the stored profile either way.
    fn ensure_profile(
        &self,
        first: &UserProfile,
    ) -> impl Future<Output = Result<UserProfile, StoreError>> + Send;

    /// Replaces `before` (as read) with `after`; `Conflict` if it changed meanwhile.
    fn update_profile(
        &self,
        before: &UserProfile,
        after: &UserProfile,
    ) -> impl Future<Output = Result<(), ProfileWriteError>> + Send;

    /// Deletes a profile (nothing happens when there is none).
    fn delete_profile(
        &self,
        id: &PublicUserId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A user's saved cafés.
pub trait SavedCafeStore: Send + Sync {
    /// Saves a café for `user`; `false` when it was saved already (the first save is kept).
    fn save_cafe(
        &self,
        user: &PublicUserId,
        saved: &SavedCafe,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Forgets a saved café (nothing happens when it was not saved).
    fn unsave_cafe(
        &self,
        user: &PublicUserId,
        cafe: &CafeId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The ids of up to `limit` of a user's most recent saves, whether or not the cafés still
    /// exist (account erasure).
    fn list_saved_cafes_raw(
        &self,
        user: &PublicUserId,
        limit: PageLimit,
    ) -> impl Future<Output = Result<Vec<CafeId>, StoreError>> + Send;

    /// A user's saved cafés, most recently saved first, each with the café's current summary
    /// (cafés that no longer exist are left out, so a page may be short).
    fn list_saved_cafes(
        &self,
        user: &PublicUserId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<SavedCafeView>, StoreError>> + Send;
}

/// Reads photos.
pub trait PhotoReader: Send + Sync {
    /// A photo in any state.
    fn get_photo(
        &self,
        id: &PhotoId,
    ) -> impl Future<Output = Result<Option<Photo>, StoreError>> + Send;

    /// A café's ready photos, newest first.
    fn list_cafe_photos(
        &self,
        cafe: &CafeId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<Photo>, StoreError>> + Send;

    /// The ids of up to `limit` photos `user` uploaded, newest first (account erasure and
    /// export).
    fn user_photo_ids(
        &self,
        user: &crate::domain::PublicUserId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<PhotoId>, StoreError>> + Send;
}

/// Finds photos whose upload never came (the sweep).
pub trait PendingPhotoReader: Send + Sync {
    /// Pending photos announced before `created_before`, oldest first, from one bounded
    /// `Query` of at most `limit` index entries after `after`. `next` is where to continue
    /// (`None` once the overdue photos are exhausted).
    fn overdue_photos(
        &self,
        created_before: jiff::Timestamp,
        limit: usize,
        after: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<Photo>, StoreError>> + Send;
}

/// Deleted photos' media still to be removed ([`crate::domain::MediaPurge`]), queued by
/// [`PhotoWriter::delete_photo`].
pub trait MediaPurgeQueue: Send + Sync {
    /// Up to `limit` purges of renditions served from `host`, oldest first, from one bounded
    /// `Query`. Purges leave the queue only through [`MediaPurgeQueue::purged`], so the next
    /// call starts again from the oldest left.
    fn pending_purges(
        &self,
        host: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<crate::domain::MediaPurge>, StoreError>> + Send;

    /// Removes `purge` from the queue (its media are gone); succeeds when it already left.
    fn purged(
        &self,
        purge: &crate::domain::MediaPurge,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What finishing a photo did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    /// The pending photo is now ready or failed.
    Done,
    /// It was already finished (a redelivered message): nothing changed.
    AlreadyFinished,
    /// No such photo (deleted, or an upload key that names no photo).
    Missing,
}

/// Writes photos.
pub trait PhotoWriter: Send + Sync {
    /// Stores a new pending photo (fails if the id exists).
    fn create_photo(&self, photo: &Photo) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes a photo and its list entries and, in the same atomic write, queues `purge` (its
    /// media, for the sweep of the region that serves them). Succeeds when they are already
    /// gone.
    fn delete_photo(
        &self,
        photo: &Photo,
        purge: Option<&crate::domain::MediaPurge>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Hands a photo over to [`crate::domain::former_member`] (account erasure): the profile
    /// and café list entry are rewritten without the uploader, and the photo leaves the
    /// uploader's list. `false` when it changed meanwhile (read it again and retry).
    fn anonymise_photo(
        &self,
        photo: &Photo,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Moves a pending photo to ready (listing it under its café) or failed, once: a second
    /// call for the same photo changes nothing and says so.
    fn finish_photo(
        &self,
        id: &PhotoId,
        outcome: PhotoOutcome,
        at: jiff::Timestamp,
    ) -> impl Future<Output = Result<Finish, StoreError>> + Send;
}

/// Mints upload targets: a presigned S3 POST in AWS, a signed local URL locally.
pub trait UploadSigner: Send + Sync {
    /// A target accepting exactly one object at `key` of `content_type` and `content_length`
    /// bytes, valid for ten minutes from `now`.
    fn upload_target(
        &self,
        key: &str,
        content_type: UploadType,
        content_length: u64,
        now: jiff::Timestamp,
    ) -> impl Future<Output = Result<UploadTarget, StoreError>> + Send;
}

/// An object read from a blob store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    Missing,
    /// Larger than the caller's limit; not read.
    TooLarge(u64),
    Bytes(Vec<u8>),
}

/// Objects by key in one bucket (S3 in AWS, a directory locally).
pub trait BlobStore: Send + Sync {
    /// The object at `key`, unless it is larger than `max_bytes`.
    fn get(
        &self,
        key: &str,
        max_bytes: u64,
    ) -> impl Future<Output = Result<Fetched, StoreError>> + Send;

    /// Writes an object with its content type and cache policy.
    fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        cache_control: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes the object at `key`; deleting a missing object succeeds (retries are safe).
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Tells the CDN to forget cached copies of paths (CloudFront `CreateInvalidation` in AWS; a
/// no-op locally, where nothing caches).
pub trait CdnInvalidator: Send + Sync {
    /// Invalidates `paths` (each starting with `/`, e.g. `/media/<sha256>.webp`).
    fn invalidate(&self, paths: Vec<String>)
    -> impl Future<Output = Result<(), StoreError>> + Send;
}

// ---- Partner API (P9) ----

/// Why a partner write did nothing.
#[derive(Debug, thiserror::Error)]
pub enum PartnerWriteError {
    /// No partner (or key) with this id.
    #[error("no such partner or key")]
    NotFound,
    /// A partner with this id exists already (create), or it changed meanwhile (update).
    #[error("the partner exists already or changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Partners and their API keys: what ops tools write and the key check reads.
pub trait PartnerStore: Send + Sync {
    /// Stores a new partner (`Conflict` if its id exists).
    fn create_partner(
        &self,
        partner: &crate::domain::partner::Partner,
    ) -> impl Future<Output = Result<(), PartnerWriteError>> + Send;

    /// A partner's profile.
    fn get_partner(
        &self,
        id: &crate::domain::PartnerId,
    ) -> impl Future<Output = Result<Option<crate::domain::partner::Partner>, StoreError>> + Send;

    /// Every partner, by name (ops tools and the monthly bill; API Gateway caps an account at
    /// 10,000 keys, so the list stays small).
    fn list_partners(
        &self,
    ) -> impl Future<Output = Result<Vec<crate::domain::partner::Partner>, StoreError>> + Send;

    /// Replaces a partner's tier, limits, name or status (`NotFound` if absent; `Conflict` when a
    /// concurrent update won).
    fn update_partner(
        &self,
        partner: &crate::domain::partner::Partner,
    ) -> impl Future<Output = Result<(), PartnerWriteError>> + Send;

    /// Deletes a partner and every key it holds (they stop working at once); its usage counters
    /// stay, for invoicing. Returns the deleted key ids (`NotFound` if absent).
    fn delete_partner(
        &self,
        id: &crate::domain::PartnerId,
    ) -> impl Future<Output = Result<Vec<crate::domain::ApiKeyId>, PartnerWriteError>> + Send;

    /// Adds a key to its partner. With `retire_others_at`, every other key of the partner that
    /// is still valid then stops being valid at that instant (a rotation's grace period).
    fn add_key(
        &self,
        key: &crate::domain::partner::KeyRecord,
        retire_others_at: Option<jiff::Timestamp>,
    ) -> impl Future<Output = Result<(), PartnerWriteError>> + Send;

    /// Makes a key invalid from `at` on (`NotFound` if the partner has no such key).
    fn revoke_key(
        &self,
        partner: &crate::domain::PartnerId,
        key: &crate::domain::ApiKeyId,
        at: jiff::Timestamp,
    ) -> impl Future<Output = Result<(), PartnerWriteError>> + Send;

    /// A partner's keys, valid or not.
    fn keys(
        &self,
        partner: &crate::domain::PartnerId,
    ) -> impl Future<Output = Result<Vec<crate::domain::partner::KeyRecord>, StoreError>> + Send;

    /// The key with this hash and its partner (two `GetItem`s), whatever their state: the caller
    /// decides between valid, expired and suspended.
    fn find_key(
        &self,
        hash: &crate::domain::partner::KeyHash,
    ) -> impl Future<
        Output = Result<
            Option<(
                crate::domain::partner::KeyRecord,
                crate::domain::partner::Partner,
            )>,
            StoreError,
        >,
    > + Send;
}

/// One partner request asking to be admitted.
#[derive(Clone, Debug)]
pub struct Admission<'a> {
    pub partner: &'a crate::domain::PartnerId,
    pub key: &'a crate::domain::ApiKeyId,
    /// The route's name in usage reports (`usage`, `cafes`, …).
    pub route: &'a str,
    /// Unique per request and the same on every retry of it (API Gateway's request id).
    pub request_id: &'a str,
    pub limits: crate::domain::partner::Limits,
    pub now: jiff::Timestamp,
}

/// The partner's budget as one admission left it: what `RateLimit` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateWindow {
    /// Policy name on the wire: `second`, `day` or `month`.
    pub name: &'static str,
    /// The draft's `q`: requests allowed per window.
    pub quota: u64,
    /// The draft's `w`: the window in seconds.
    pub window_secs: u64,
    /// The draft's `r`: requests left.
    pub remaining: u64,
    /// The draft's `t`: seconds until the window resets (the bucket refills, the day or month
    /// ends).
    pub reset_secs: u64,
}

/// The answer to an [`Admission`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmissionOutcome {
    /// Whether the request may run (and will be billed by the rule once settled).
    pub admitted: bool,
    /// Every window of the partner's limits, tightest first.
    pub windows: Vec<RateWindow>,
    /// When refused: the window that refused, and seconds until it admits again.
    pub refused_by: Option<(&'static str, u64)>,
}

/// Admission control and exact metering of partner requests.
pub trait Meter: Send + Sync {
    /// Spends a token of the key's per-second bucket and a unit of the partner's daily and
    /// monthly quotas, atomically with a record of the request, or refuses without spending
    /// anything. Admitting the same request again (a retry) spends nothing more.
    fn admit(
        &self,
        admission: &Admission<'_>,
    ) -> impl Future<Output = Result<AdmissionOutcome, StoreError>> + Send;

    /// Records how an admitted request ended, once: billed or not by
    /// [`crate::domain::partner::Billing::of_status`] in the counter of its key, route and
    /// UTC day (the day it was admitted); a 5xx gives its quota units back. Settling the same
    /// request again changes nothing.
    fn settle(
        &self,
        partner: &crate::domain::PartnerId,
        request_id: &str,
        status: u16,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// As `settle`, also adding the request to the daily rollup's latency histogram
    /// (`latency_ms`: from the key check to the answer; `None` records no latency).
    fn settle_timed(
        &self,
        partner: &crate::domain::PartnerId,
        request_id: &str,
        status: u16,
        latency_ms: Option<u64>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The daily rollups of a partner from `from` to `to` (UTC days, inclusive), per route:
    /// one `Query` per calendar month in the range.
    fn rollup(
        &self,
        partner: &crate::domain::PartnerId,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> impl Future<Output = Result<Vec<crate::domain::partner::RollupRow>, StoreError>> + Send;

    /// Usage counters of a partner from `from` to `to` (UTC days, inclusive): one `Query` per
    /// calendar month in the range.
    fn usage(
        &self,
        partner: &crate::domain::PartnerId,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> impl Future<Output = Result<Vec<crate::domain::partner::UsageRow>, StoreError>> + Send;
}

/// What [`ConsentStore::grant_consent`] did: the consent that stands, and whether this call
/// created it (the store decides, by its conditional write, not by comparing times).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    pub consent: crate::domain::partner::Consent,
    pub created: bool,
}

/// Users' consents to partners (P9): granted and withdrawn by the user on the consumer API,
/// checked on every partner request that names a user.
pub trait ConsentStore: Send + Sync {
    /// Records a consent (`NotFound` when the partner does not exist). Granting again keeps the
    /// first grant, which is returned with `created: false`.
    fn grant_consent(
        &self,
        consent: &crate::domain::partner::Consent,
    ) -> impl Future<Output = Result<Granted, PartnerWriteError>> + Send;

    /// Withdraws `user`'s consent to `partner`; the next partner request for that user finds
    /// none. `false` when there was none.
    fn withdraw_consent(
        &self,
        user: &PublicUserId,
        partner: &crate::domain::PartnerId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The consent behind a partner's pseudonymous id, if the user still gives it.
    fn consent_of(
        &self,
        partner: &crate::domain::PartnerId,
        user: &crate::domain::PartnerUserId,
    ) -> impl Future<Output = Result<Option<crate::domain::partner::Consent>, StoreError>> + Send;

    /// Every consent `user` gives.
    fn consents(
        &self,
        user: &PublicUserId,
    ) -> impl Future<Output = Result<Vec<crate::domain::partner::Consent>, StoreError>> + Send;
}

/// Each user's precomputed recommendations (`shared::reco`): written whole by the scheduled
/// job, read with one `GetItem` by the partner route.
pub trait RecommendationStore: Send + Sync {
    /// Stores (replaces) a user's recommendations.
    fn put_recommendations(
        &self,
        recs: &crate::reco::UserRecommendations,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A user's recommendations, if the job made them.
    fn recommendations_of(
        &self,
        user: &PublicUserId,
    ) -> impl Future<Output = Result<Option<crate::reco::UserRecommendations>, StoreError>> + Send;

    /// Removes a user's recommendations (account erasure).
    fn delete_recommendations(
        &self,
        user: &PublicUserId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Experiment events: exposures and outcomes, each stored at most once per unit (conditional
/// writes), and read back page by page for analysis (`xtask experiment report`).
pub trait ExperimentEvents: Send + Sync {
    /// Stores `exposure` unless the unit was exposed to this experiment before; `true` when
    /// this call stored it (the first exposure stands, whatever variant a later one names).
    fn record_exposure(
        &self,
        exposure: &crate::experiments::events::Exposure,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores the unit's first outcome on `metric`, carrying the variant of its exposure.
    /// `None` when the unit was never exposed to `experiment` or already has this outcome.
    fn record_outcome(
        &self,
        experiment: &str,
        unit: &str,
        metric: &str,
        at: jiff::Timestamp,
    ) -> impl Future<Output = Result<Option<crate::experiments::events::Outcome>, StoreError>> + Send;

    /// Up to `limit` exposures of `experiment` after `after`, in unit order, and the position
    /// to continue from when more may follow.
    fn exposures(
        &self,
        experiment: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> impl Future<
        Output = Result<(Vec<crate::experiments::events::Exposure>, Option<PageKey>), StoreError>,
    > + Send;

    /// Stores one request served to an enrolled unit (its variant, latency and whether it
    /// failed), for the guardrails; a retry with the same request id stores nothing new.
    fn record_request(
        &self,
        request: &crate::experiments::events::ServedRequest,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` served requests of `experiment` after `after`, by unit then request id.
    fn requests(
        &self,
        experiment: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> impl Future<
        Output = Result<
            (
                Vec<crate::experiments::events::ServedRequest>,
                Option<PageKey>,
            ),
            StoreError,
        >,
    > + Send;

    /// Up to `limit` outcomes on `metric` of `experiment` after `after`, in unit order.
    fn outcomes(
        &self,
        experiment: &str,
        metric: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> impl Future<
        Output = Result<(Vec<crate::experiments::events::Outcome>, Option<PageKey>), StoreError>,
    > + Send;
}
