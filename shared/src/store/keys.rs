//! The single-table key design, shared by both adapters. ARCHITECTURE.md documents it as a
//! table; this module is the one place that builds keys.
//!
//! | entity | PK | SK | LPK (list partition) |
//! |---|---|---|---|
//! | café profile in the sync list | `CAFE#<id>` | `PROFILE` | `CAFES#UPDATED#S<k>`, k = [`list_shard`] of the id mod [`CAFE_SYNC_SHARDS`], sorted by `SN` = `<updated µs, 16 digits>#<id>` |
//! | café list entry | `CAFE#<id>` | `LIST#<dim>` | `CAFES#<dim>#S<k>`, k = [`list_shard`] of the id mod [`cafe_list_shards`] |
//! | café geo entry | `CAFE#<id>` | `GEO#<level>` | `GEO#<cell>`, sorted by `SG` = `<geohash12>#<id>` |
//! | roaster profile | `ROASTER#<id>` | `PROFILE` | – |
//! | roaster list entry | `ROASTER#<id>` | `LIST#<dim>` | `ROASTERS#<dim>` |
//! | artisan | `ARTISAN#<id>` | `PROFILE` | – |
//! | artisan list entry | `ARTISAN#<id>` | `LIST#ALL` | `ARTISANS#ALL` |
//! | city list entry | `CITY#<slug>` | `LIST#ALL` | `CITIES#ALL` |
//! | brewing method | `METHOD#<slug>` | `PROFILE` | – |
//! | brewing method list entry | `METHOD#<slug>` | `LIST#ALL` | `METHODS#ALL` |
//! | café term entry | `CAFE#<id>` | `TERM#<token>` | `TERMS#CAFE#<first char>`, sorted by `SN` = `<token>#<id>` |
//! | roaster term entry | `ROASTER#<id>` | `TERM#<token>` | `TERMS#ROASTER#<first char>`, `SN` as above |
//! | photo | `PHOTO#<id>` | `PROFILE` | – |
//! | ready photo list entry | `PHOTO#<id>` | `LIST#CAFE` | `PHOTOS#CAFE#<cafeId>` |
//! | pending photo (the profile itself) | `PHOTO#<id>` | `PROFILE` | `PHOTOS#PENDING`, oldest first by `SN` |
//! | deleted photo's media purge | `PHOTO#<id>` | `PURGE` | `PHOTOS#PURGE#<media host>`, oldest first by `SN` |
//! | schema marker | `SCHEMA` | `PROFILE` | – |
//! | idempotency record | `IDEMPOTENCY#<hash>` | `PROFILE` | – |
//! | partner profile | `PARTNER#<id>` | `PROFILE` | `PARTNERS#ALL` (by name) |
//! | partner key entry | `PARTNER#<id>` | `KEY#<keyId>` | – |
//! | key look-up by hash | `APIKEY#<sha256>` | `PROFILE` | – |
//! | partner key's second | `RATE#<keyId>` | `SECOND#<epoch second>` | – |
//! | admitted partner request | `METER#<partnerId>#<hash of request id>` | `PROFILE` | – |
//! | partner quota counters | `USAGE#<partnerId>#<YYYY-MM>` | `QUOTA#DAY#<DD>`, `QUOTA#MONTH` | – |
//! | consent (by the partner's pseudonym) | `CONSENT#<partnerId>#<partnerUserId>` | `PROFILE` | – |
//! | consent in its user's partition | `USER#<publicId>` | `CONSENT#<partnerId>` | – |
//! | a user's recommendations | `USER#<publicId>` | `RECOMMENDATIONS` | – |
//! | partner usage counter | `USAGE#<partnerId>#<YYYY-MM>` | `DAY#<DD>#KEY#<keyId>#ROUTE#<route>` | – |
//! | experiment exposure | `EXP#<experiment>#<unit>` | `EXPOSURE` | `EXPOSURES#<experiment>`, sorted by `SN` = `<unit>` |
//! | experiment outcome | `EXP#<experiment>#<unit>` | `OUTCOME#<metric>` | `OUTCOMES#<experiment>#<metric>`, `SN` = `<unit>` |
//! | experiment request (guardrails) | `EXP#<experiment>#<unit>` | `REQUEST#<requestId>` | `REQUESTS#<experiment>`, `SN` = `<unit>#<requestId>` |
//!
//! `<dim>` is `ALL` or one filter value: `CITY#<slug>`, `COUNTRY#<CC>`, `METHOD#<slug>`,
//! `ROASTER#<id>`, `AMENITY#<name>`. A list entry carries the summary document and three sort
//! values (`SN`, `SR`, `ST`), each unique within a list partition because it ends with the id.

use crate::domain::{
    Amenity, ArtisanId, CafeId, CafeSummary, CountryCode, Roaster, RoasterId, Slug,
};
use crate::query::CafeFilter;

/// Sort key of every profile item.
pub const PROFILE_SK: &str = "PROFILE";
const LIST_SK_PREFIX: &str = "LIST#";
/// The dimension that lists everything.
pub const ALL: &str = "ALL";

/// `CAFE#<id>`
pub fn cafe_pk(id: &CafeId) -> String {
    format!("CAFE#{id}")
}

/// `ROASTER#<id>`
pub fn roaster_pk(id: &RoasterId) -> String {
    format!("ROASTER#{id}")
}

/// `ARTISAN#<id>`
pub fn artisan_pk(id: &ArtisanId) -> String {
    format!("ARTISAN#{id}")
}

/// List partition of all artisans (by name).
pub fn artisans_lpk() -> String {
    format!("ARTISANS#{ALL}")
}

/// `CITY#<slug>`: the partition of one city's list entry.
pub fn city_pk(slug: &Slug) -> String {
    format!("CITY#{slug}")
}

/// List partition of all cities (by name).
pub fn cities_lpk() -> String {
    format!("CITIES#{ALL}")
}

/// `METHOD#<slug>`
pub fn method_pk(slug: &Slug) -> String {
    format!("METHOD#{slug}")
}

/// Sort key of the list entry for dimension `dim`.
pub fn list_sk(dim: &str) -> String {
    format!("{LIST_SK_PREFIX}{dim}")
}

/// The unsharded list partition of cafés in dimension `dim`, which releases before sharding
/// wrote (readers still merge it while [`READ_UNSHARDED_CAFE_LISTS`]; `xtask reindex` empties
/// it). Writers use [`cafe_list_lpk`].
pub fn cafes_lpk(dim: &str) -> String {
    format!("CAFES#{dim}")
}

/// How many hash shards the café list of dimension `dim` is spread over: the one place that
/// decides it (docs/capacity.md has the arithmetic). A list partition is one GSI partition,
/// about 3,000 read units/s; a page merged from N shards reads its even share of the page plus
/// a margin from each (`store::merge`), so with 0.94 KB entries a page of 20 reads 8 entries
/// (1 read unit) per shard instead of 21 (2.5 units) from one partition: 3,000 pages/s per list
/// instead of 1,200.
///
/// - `ALL`, `CITY#…`, `COUNTRY#…`, `METHOD#…`, `AMENITY#…`: lists that can hold the whole
///   catalogue or most of a big city's or country's cafés: 8 (4 would read 13 entries, 2 units,
///   per shard: barely better than one partition; 16 reads 7, still 1 unit: no better than 8).
/// - `ROASTER#…`: the tens of cafés one roaster supplies: 1 (a shard read costs at least half
///   a read unit, so sharding a small list only adds Queries).
pub fn cafe_list_shards(dim: &str) -> u32 {
    if dim.starts_with("ROASTER#") {
        1
    } else {
        MAX_CAFE_LIST_SHARDS
    }
}

/// Highest café list shard count of any dimension (bounds the Queries of one merged round).
pub const MAX_CAFE_LIST_SHARDS: u32 = 8;

/// The shard (`0..shards`) of the entity `id` in a list of `shards` shards: the first 8 bytes
/// of SHA-256 of the id, big-endian, modulo `shards`. Stable across releases and adapters, and
/// spread evenly whatever the ids look like.
pub fn list_shard(id: &str, shards: u32) -> u32 {
    let shards = u64::from(shards.max(1));
    (crate::digest::sha256_u64(id.as_bytes()) % shards) as u32
}

/// Shard `shard` of the café list of dimension `dim`: `CAFES#<dim>#S<shard>`.
pub fn cafe_list_shard_lpk(dim: &str, shard: u32) -> String {
    format!("CAFES#{dim}#S{shard}")
}

/// The list partition that holds café `id`'s entry for dimension `dim` (what writers write).
pub fn cafe_list_lpk(dim: &str, id: &CafeId) -> String {
    cafe_list_shard_lpk(dim, list_shard(id.as_str(), cafe_list_shards(dim)))
}

/// Whether readers also read the unsharded list partitions that releases before sharding
/// wrote — `CAFES#<dim>` ([`cafes_lpk`]) for the café lists and `CAFES#UPDATED`
/// ([`cafes_updated_lpk`]) for the partner sync list — merged with the shards as one more
/// source. On while a live table may still hold unsharded entries (docs/capacity.md
/// "Migration"): every entry is one item whose `LPK` moves from the old partition to its shard
/// in one write, so the merge sees it exactly once whichever side it is on. Turn it off in the
/// release after `xtask reindex` reported no unsharded entries left (it checks both kinds).
pub const READ_UNSHARDED_CAFE_LISTS: bool = true;

/// Every partition a read of the café list of dimension `dim` merges: its shards, then (while
/// [`READ_UNSHARDED_CAFE_LISTS`]) the unsharded partition.
pub fn cafe_list_sources(dim: &str) -> Vec<String> {
    let mut sources: Vec<String> = (0..cafe_list_shards(dim))
        .map(|k| cafe_list_shard_lpk(dim, k))
        .collect();
    if READ_UNSHARDED_CAFE_LISTS {
        sources.push(cafes_lpk(dim));
    }
    sources
}

/// Above every list sort value (`SN`, `SR`, `ST`): U+10FFFF, the highest scalar value (and the
/// highest in UTF-8 byte order, which both adapters compare by); sort values never hold it.
pub const SORT_CEILING: &str = "\u{10FFFF}";

/// List partition of roasters in dimension `dim`.
pub fn roasters_lpk(dim: &str) -> String {
    format!("ROASTERS#{dim}")
}

/// List partition of all brewing methods.
pub fn methods_lpk() -> String {
    format!("METHODS#{ALL}")
}

/// `REVIEW#<id>`
pub fn review_pk(id: &crate::domain::ReviewId) -> String {
    format!("REVIEW#{id}")
}

/// List partition of a café's reviews (newest first on `ByNewest`).
pub fn reviews_lpk(cafe: &CafeId) -> String {
    format!("REVIEWS#CAFE#{cafe}")
}

/// Partition holding a café's rating shards and one-review-per-author markers.
pub fn ratings_pk(cafe: &CafeId) -> String {
    format!("RATINGS#{cafe}")
}

/// Sort-key prefix of rating shards.
pub const SHARD_PREFIX: &str = "SHARD#";

/// The rating shard written by `region`.
pub fn shard_sk(region: &str) -> String {
    format!("{SHARD_PREFIX}{region}")
}

/// The café whose rating shard is at `(pk, sk)`; `None` for any other item (markers included).
/// The stream consumer uses it to keep only shard changes.
pub fn shard_cafe(pk: &str, sk: &str) -> Option<CafeId> {
    if !sk.starts_with(SHARD_PREFIX) {
        return None;
    }
    let cafe = CafeId::parse(pk.strip_prefix("RATINGS#")?).ok()?;
    (ratings_pk(&cafe) == pk).then_some(cafe)
}

/// Sort-key prefix of author markers.
pub const REVIEWER_PREFIX: &str = "REVIEWER#";

/// Marks that `user` reviewed the café: the author marker, which names the review that counts
/// (`ports::ReviewMarker`; a bare review id before markers carried a region).
pub fn reviewer_sk(user: &crate::domain::PublicUserId) -> String {
    format!("{REVIEWER_PREFIX}{user}")
}

/// The café and author of the author marker at `(pk, sk)`; `None` for any other item (legacy
/// markers keyed by sign-in subject included). The stream consumer uses it to find markers.
pub fn marker_owner(pk: &str, sk: &str) -> Option<(CafeId, crate::domain::PublicUserId)> {
    let author = crate::domain::PublicUserId::parse(sk.strip_prefix(REVIEWER_PREFIX)?).ok()?;
    let cafe = CafeId::parse(pk.strip_prefix("RATINGS#")?).ok()?;
    (ratings_pk(&cafe) == pk && reviewer_sk(&author) == sk).then_some((cafe, author))
}

/// Records, in the café's ratings partition, that `region` handed back what it counted for
/// marker version `seq` of `user` (so a redelivered stream record hands back nothing).
pub fn settled_sk(user: &crate::domain::PublicUserId, region: &str, seq: i64) -> String {
    format!("SETTLED#{user}#{region}#{seq}")
}

/// Partition of a user's write-limit buckets.
pub fn rate_pk(user: &crate::domain::PublicUserId) -> String {
    format!("RATE#{user}")
}

/// The token bucket of one write action (`BUCKET#reviews`, …).
pub fn bucket_sk(action: crate::domain::WriteAction) -> String {
    format!("BUCKET#{}", action.as_str())
}

/// The marker the release before public user ids wrote: keyed by the token subject. Only the
/// migration ([`crate::maintenance::migrate_authors`]) uses it, to delete it.
pub fn legacy_reviewer_sk(subject: &crate::domain::UserId) -> String {
    format!("REVIEWER#{subject}")
}

/// `STORY#<id>`
pub fn story_pk(id: &crate::domain::StoryId) -> String {
    format!("STORY#{id}")
}

/// List partition of stories in dimension `dim` (`ALL`, `CAFE#<id>`, `TAG#<tag>`).
pub fn stories_lpk(dim: &str) -> String {
    format!("STORIES#{dim}")
}

/// Sort key of a café's geo index entry at `level` (its partition precision).
pub fn geo_sk(level: u8) -> String {
    format!("GEO#{level}")
}

/// Geo index partition of cell `cell` (a geohash; its length is the level).
pub fn geo_lpk(cell: &str) -> String {
    format!("GEO#{cell}")
}

/// `SG`: the full-precision geohash, then the id.
pub fn by_cell(geohash: &str, id: &str) -> String {
    format!("{geohash}#{id}")
}

/// The highest `SG` value that starts with geohash prefix `prefix` (`~` sorts after every
/// geohash character and after `#`).
pub fn by_cell_upper(prefix: &str) -> String {
    format!("{prefix}~")
}

const TERM_SK_PREFIX: &str = "TERM#";

/// Sort key of an entity's term entry for `token` (see [`crate::search`]).
pub fn term_sk(token: &str) -> String {
    format!("{TERM_SK_PREFIX}{token}")
}

/// The term partition of `token` under `family` (`CAFE` or `ROASTER`): keyed by the token's
/// first character, so a prefix read touches one partition whatever the prefix length.
fn terms_lpk(family: &str, token: &str) -> String {
    let first = token.chars().next().map(String::from).unwrap_or_default();
    format!("TERMS#{family}#{first}")
}

/// Term partition of café terms starting like `token`.
pub fn cafe_terms_lpk(token: &str) -> String {
    terms_lpk("CAFE", token)
}

/// Term partition of roaster terms starting like `token`.
pub fn roaster_terms_lpk(token: &str) -> String {
    terms_lpk("ROASTER", token)
}

/// `SN` of a term entry: the token, then the id.
pub fn by_term(token: &str, id: &str) -> String {
    format!("{token}#{id}")
}

/// The highest `SN` value that starts with `prefix`. Tokens hold letters, digits and marks
/// only, never U+10FFFF (the highest scalar value, also the highest in UTF-8 byte order, which
/// both adapters compare by).
pub fn by_term_upper(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Ranking key of a café search result: match quality, then best rating and most reviews,
/// then name, then id (ascending order is best first; unique because it ends with the id).
pub fn cafe_search_rank(quality: u32, average: f64, count: u32, name: &str, id: &str) -> String {
    format!("{quality:03}#{}", by_rating(average, count, name, id))
}

/// Ranking key of a roaster search result: match quality, then name, then id.
pub fn roaster_search_rank(quality: u32, name: &str, id: &str) -> String {
    format!("{quality:03}#{}", by_name(name, id))
}

/// `PHOTO#<id>`
pub fn photo_pk(id: &crate::domain::PhotoId) -> String {
    format!("PHOTO#{id}")
}

/// A ready photo's entry in its café's list (`PHOTO#<id>` / this sort key).
pub const PHOTO_LIST_SK: &str = "LIST#CAFE";

/// List partition of a café's ready photos (newest first on `ByNewest`).
pub fn photos_lpk(cafe: &CafeId) -> String {
    format!("PHOTOS#CAFE#{cafe}")
}

/// Key of the schema marker (`SCHEMA` / `PROFILE`): which data layout the store holds, so a
/// store written by an older release is recognised with one read.
pub fn schema_key() -> (String, String) {
    ("SCHEMA".to_owned(), PROFILE_SK.to_owned())
}

/// `IDEMPOTENCY#<first 16 bytes of sha256(scope#key), hex>`: one idempotency record (`key` is
/// already scoped to the caller and route).
pub fn idempotency_pk(key: &str) -> String {
    format!(
        "IDEMPOTENCY#{}",
        crate::digest::sha256_hex(key.as_bytes(), 16)
    )
}

/// `EXP#<experiment>#<unit>`: one unit's events in one experiment.
pub fn experiment_unit_pk(experiment: &str, unit: &str) -> String {
    format!("EXP#{experiment}#{unit}")
}

/// Sort key of a unit's exposure.
pub const EXPOSURE_SK: &str = "EXPOSURE";

/// Sort key of a unit's outcome on `metric`.
pub fn outcome_sk(metric: &str) -> String {
    format!("OUTCOME#{metric}")
}

/// List partition of an experiment's exposures (by unit).
pub fn exposures_lpk(experiment: &str) -> String {
    format!("EXPOSURES#{experiment}")
}

/// Sort key of one request a unit was served in an experiment (guardrails).
pub fn request_sk(request_id: &str) -> String {
    format!("REQUEST#{request_id}")
}

/// List partition of an experiment's served requests (by unit, then request id).
pub fn requests_lpk(experiment: &str) -> String {
    format!("REQUESTS#{experiment}")
}

/// List partition of an experiment's outcomes on `metric` (by unit).
pub fn outcomes_lpk(experiment: &str, metric: &str) -> String {
    format!("OUTCOMES#{experiment}#{metric}")
}

/// `USER#<publicId>`: a person's profile and the cafés they saved.
pub fn user_pk(id: &crate::domain::PublicUserId) -> String {
    format!("USER#{id}")
}

/// Sort key of a saved café inside its user's partition.
pub fn saved_sk(cafe: &CafeId) -> String {
    format!("SAVED#{cafe}")
}

/// List partition of a user's saved cafés (newest first on `ByNewest`).
pub fn saved_lpk(user: &crate::domain::PublicUserId) -> String {
    format!("SAVED#{user}")
}

/// The review's entry in its author's list (`REVIEW#<id>` / this sort key).
pub const USER_LIST_SK: &str = "LIST#USER";

/// List partition of a user's reviews (newest first on `ByNewest`).
pub fn user_reviews_lpk(user: &crate::domain::PublicUserId) -> String {
    format!("REVIEWS#USER#{user}")
}

/// List partition of the photos a user uploaded (entries `PHOTO#<id>` / [`USER_LIST_SK`],
/// newest first on `ByNewest`).
pub fn user_photos_lpk(user: &crate::domain::PublicUserId) -> String {
    format!("PHOTOS#USER#{user}")
}

/// Story list dimension of everything a user published: `USER#<publicId>`.
pub fn story_user_dim(user: &crate::domain::PublicUserId) -> String {
    format!("USER#{user}")
}

/// Story list dimension of a café: `CAFE#<id>`.
pub fn story_cafe_dim(cafe: &CafeId) -> String {
    format!("CAFE#{cafe}")
}

/// Story list dimension of a tag: `TAG#<tag>`.
pub fn story_tag_dim(tag: &Slug) -> String {
    format!("TAG#{tag}")
}

/// Key of the summary entry every café has in `CAFES#ALL` (what lists and nearby show).
pub fn cafe_summary_key(cafe: &CafeId) -> (String, String) {
    (cafe_pk(cafe), list_sk(ALL))
}

/// A deleted photo's media purge (`PHOTO#<id>` / this sort key), listed under its host's
/// purge partition until that region's sweep has removed the media.
pub const PURGE_SK: &str = "PURGE";

/// List partition of the media purges of renditions served from `host` (oldest first on
/// `ByName`, sort value [`by_oldest`] of the deletion time). One partition per host, so each
/// region's sweep reads only the purges it can act on.
pub fn media_purges_lpk(host: &str) -> String {
    format!("PHOTOS#PURGE#{host}")
}

/// List partition of pending photos (their profile items, sorted oldest first by `SN`); a
/// photo leaves it when it is finished or deleted.
pub fn pending_photos_lpk() -> String {
    "PHOTOS#PENDING".to_owned()
}

/// `SN` of a pending photo: creation time in microseconds (zero-padded, not inverted, so
/// ascending order is oldest first), then the id.
pub fn by_oldest(created_at: jiff::Timestamp, id: &str) -> String {
    let micros = created_at.as_microsecond().max(0);
    format!("{micros:016}#{id}")
}

/// `CITY#<slug>` (the city name folded to a slug so `São Paulo` and `sao-paulo` agree).
pub fn city_dim(city: &Slug) -> String {
    format!("CITY#{city}")
}

/// `COUNTRY#<CC>`
pub fn country_dim(country: CountryCode) -> String {
    format!("COUNTRY#{country}")
}

/// `METHOD#<slug>`
pub fn method_dim(slug: &Slug) -> String {
    format!("METHOD#{slug}")
}

/// `ROASTER#<id>`
pub fn roaster_dim(id: &RoasterId) -> String {
    format!("ROASTER#{id}")
}

/// `AMENITY#<name>`
pub fn amenity_dim(amenity: Amenity) -> String {
    format!("AMENITY#{}", amenity.as_str())
}

/// A case- and accent-insensitive name key, so `Óscar` sorts with `oscar`.
pub fn name_key(name: &str) -> String {
    Slug::from_text(name)
        .map(String::from)
        .unwrap_or_else(|_| name.to_lowercase())
}

/// `SN`: name key, then id.
pub fn by_name(name: &str, id: &str) -> String {
    format!("{}#{id}", name_key(name))
}

/// `SR`: best average first, then most reviews, then name. Both numbers are inverted and
/// zero-padded so ascending string order is the order we want.
pub fn by_rating(average: f64, count: u32, name: &str, id: &str) -> String {
    // Averages are 0.00..=5.00; in hundredths that is 0..=500.
    let hundredths = (average.clamp(0.0, 5.0) * 100.0).round() as u32;
    format!(
        "{:03}#{:010}#{}#{id}",
        500 - hundredths,
        u32::MAX - count,
        name_key(name)
    )
}

/// `ST`: newest first (microseconds since the epoch, inverted and zero-padded, so items
/// written within the same second still sort by time).
pub fn by_newest(created_at: jiff::Timestamp, id: &str) -> String {
    // 10^16 - 1 µs is in the year 2286.
    const CEILING: i64 = 9_999_999_999_999_999;
    let inverted = CEILING - created_at.as_microsecond().clamp(0, CEILING);
    format!("{inverted:016}#{id}")
}

/// The unsharded partner sync list that releases before sync shards wrote every café profile
/// to (readers still merge it while [`READ_UNSHARDED_CAFE_LISTS`]; `xtask reindex` empties it).
/// Writers use [`cafe_sync_lpk`].
pub fn cafes_updated_lpk() -> String {
    "CAFES#UPDATED".to_owned()
}

/// How many hash shards the partner sync list (every café profile, ascending by `SN` =
/// [`by_updated`]) is spread over; docs/capacity.md has the arithmetic. Profiles are 2.8 KB,
/// so a sync page is dear: a page of 100 reads 101 profiles (35.5 read units) from one
/// partition, ≈ 84 pages/s. Over 8 shards each shard is read for 13 + 9 = 22 profiles (8
/// units): ≈ 375 pages/s per list (1,000 instead of 400 at the default page of 20), and
/// every café change's profile write lands on one of 8 partitions instead of one. 16 would
/// read 14 profiles (5 units) from each of twice as many shards: more Queries and units per
/// page for 1.6× more pages/s, which no partner load needs yet; 8 also keeps a merged round
/// within [`MAX_CAFE_LIST_SHARDS`] Queries, like the café lists.
pub const CAFE_SYNC_SHARDS: u32 = 8;

/// Shard `shard` of the partner sync list: `CAFES#UPDATED#S<shard>`.
pub fn cafe_sync_shard_lpk(shard: u32) -> String {
    format!("CAFES#UPDATED#S{shard}")
}

/// The sync list partition that holds café `id`'s profile (what writers write): the same shard
/// function as the café lists ([`list_shard`]).
pub fn cafe_sync_lpk(id: &CafeId) -> String {
    cafe_sync_shard_lpk(list_shard(id.as_str(), CAFE_SYNC_SHARDS))
}

/// Every partition a sync page merges: the shards, then (while [`READ_UNSHARDED_CAFE_LISTS`])
/// the unsharded `CAFES#UPDATED`.
pub fn cafe_sync_sources() -> Vec<String> {
    let mut sources: Vec<String> = (0..CAFE_SYNC_SHARDS).map(cafe_sync_shard_lpk).collect();
    if READ_UNSHARDED_CAFE_LISTS {
        sources.push(cafes_updated_lpk());
    }
    sources
}

/// `SN` of a café profile in the sync list: microseconds since the epoch, zero-padded to 16
/// digits (oldest change first), then the id.
pub fn by_updated(updated_at: jiff::Timestamp, id: &str) -> String {
    format!("{}#{id}", updated_floor(updated_at))
}

/// The lowest `SN` of a change at or after `since`: a prefix (no `#<id>`), so it sorts before
/// every key it starts and equals none.
pub fn updated_floor(since: jiff::Timestamp) -> String {
    const CEILING: i64 = 9_999_999_999_999_999;
    format!("{:016}", since.as_microsecond().clamp(0, CEILING))
}

/// Every list dimension a café appears in.
pub fn cafe_dims(cafe: &CafeSummary) -> Vec<String> {
    let mut dims = vec![ALL.to_owned(), country_dim(cafe.location.country)];
    if let Ok(city) = Slug::from_text(&cafe.location.city) {
        dims.push(city_dim(&city));
    }
    dims.extend(cafe.brewing_methods.iter().map(method_dim));
    dims.extend(cafe.roasters.iter().map(|r| roaster_dim(&r.id)));
    dims.extend(cafe.amenities.iter().copied().map(amenity_dim));
    dims.sort();
    dims.dedup();
    dims
}

/// The list partition to read for a café filter: the most selective dimension the filter
/// names (city, then roaster, brewing method, amenity, country), or everything. With several
/// amenities the first in canonical order ([`Amenity`] declaration order) is read; the others,
/// price levels, minimum rating and opening time are checked on the summaries read.
pub fn cafe_dim_for(filter: &CafeFilter) -> String {
    if let Some(city) = &filter.city {
        city_dim(city)
    } else if let Some(roaster) = &filter.roaster {
        roaster_dim(roaster)
    } else if let Some(method) = &filter.brewing_method {
        method_dim(method)
    } else if let Some(&amenity) = filter.amenities.iter().min() {
        amenity_dim(amenity)
    } else if let Some(country) = filter.country {
        country_dim(country)
    } else {
        ALL.to_owned()
    }
}

/// Whether a summary satisfies every condition of `filter` except `open_at`, which needs the
/// opening hours a list entry carries beside the summary.
pub fn cafe_matches(filter: &CafeFilter, cafe: &CafeSummary) -> bool {
    let city_ok = filter
        .city
        .as_ref()
        .is_none_or(|city| Slug::from_text(&cafe.location.city).is_ok_and(|c| &c == city));
    let country_ok = filter.country.is_none_or(|c| cafe.location.country == c);
    let method_ok = filter
        .brewing_method
        .as_ref()
        .is_none_or(|m| cafe.brewing_methods.contains(m));
    let roaster_ok = filter
        .roaster
        .as_ref()
        .is_none_or(|r| cafe.roasters.iter().any(|x| &x.id == r));
    let amenities_ok = filter.amenities.iter().all(|a| cafe.amenities.contains(a));
    let price_ok =
        filter.price_levels.is_empty() || filter.price_levels.contains(&cafe.price_level);
    // An unreviewed café has average 0, so it only passes a minimum of 0.
    let rating_ok = filter.min_rating.is_none_or(|min| {
        cafe.rating
            .average
            .map_or(min <= 0.0, |average| average >= min)
    });
    city_ok && country_ok && method_ok && roaster_ok && amenities_ok && price_ok && rating_ok
}

/// Every list dimension a roaster appears in.
pub fn roaster_dims(roaster: &Roaster) -> Vec<String> {
    vec![ALL.to_owned(), country_dim(roaster.country)]
}

// ---- Partner API (P9): partners, keys, per-key buckets, admissions and usage counters ----

/// `PARTNER#<id>`: a partner's profile and its key entries.
pub fn partner_pk(id: &crate::domain::PartnerId) -> String {
    format!("PARTNER#{id}")
}

/// List partition of every partner (by name).
pub fn partners_lpk() -> String {
    format!("PARTNERS#{ALL}")
}

/// Sort-key prefix of a partner's key entries.
pub const PARTNER_KEY_PREFIX: &str = "KEY#";

/// A key's entry in its partner's partition: `KEY#<keyId>`.
pub fn partner_key_sk(key: &crate::domain::ApiKeyId) -> String {
    format!("{PARTNER_KEY_PREFIX}{key}")
}

/// `APIKEY#<sha256 of the key>`: the key look-up by hash (one `GetItem` per request).
pub fn api_key_pk(hash: &crate::domain::partner::KeyHash) -> String {
    format!("APIKEY#{}", hash.as_str())
}

/// The admission counter of one partner key in one second: `RATE#<keyId>` /
/// `SECOND#<epoch second>` (a conditional add below the key's per-second limit).
pub fn partner_second_key(key: &crate::domain::ApiKeyId, epoch_second: i64) -> (String, String) {
    (format!("RATE#{key}"), format!("SECOND#{epoch_second}"))
}

/// `METER#<partnerId>#<first 16 bytes of sha256(request id), hex>`: one admitted request, so a
/// retried admission or settlement of the same request counts once.
pub fn admission_pk(partner: &crate::domain::PartnerId, request_id: &str) -> String {
    format!(
        "METER#{partner}#{}",
        crate::digest::sha256_hex(request_id.as_bytes(), 16)
    )
}

/// `USAGE#<partnerId>#<YYYY-MM>`: a partner's quota and usage counters for one UTC month, so a
/// month is totalled by one `Query` of one partition (no Scan).
pub fn usage_pk(partner: &crate::domain::PartnerId, day: jiff::civil::Date) -> String {
    format!("USAGE#{partner}#{}", day.strftime("%Y-%m"))
}

/// The partner's quota counter of one UTC day: `QUOTA#DAY#<DD>`.
pub fn day_quota_sk(day: jiff::civil::Date) -> String {
    format!("QUOTA#DAY#{}", day.strftime("%d"))
}

/// The partner's quota counter of the month (in the month's partition).
pub const MONTH_QUOTA_SK: &str = "QUOTA#MONTH";

/// Sort-key prefix of the usage counters in a month's partition.
pub const USAGE_DAY_PREFIX: &str = "DAY#";

/// The usage counter of one key on one route on one UTC day:
/// `DAY#<DD>#KEY#<keyId>#ROUTE#<route>`.
pub fn usage_sk(day: jiff::civil::Date, key: &crate::domain::ApiKeyId, route: &str) -> String {
    format!(
        "{USAGE_DAY_PREFIX}{}#KEY#{key}#ROUTE#{route}",
        day.strftime("%d")
    )
}

/// Day of month, key id and route of a usage counter's sort key ([`usage_sk`]).
pub fn parse_usage_sk(sk: &str) -> Option<(i8, crate::domain::ApiKeyId, String)> {
    let rest = sk.strip_prefix(USAGE_DAY_PREFIX)?;
    let (day, rest) = rest.split_once("#KEY#")?;
    let (key, route) = rest.split_once("#ROUTE#")?;
    let key = crate::domain::ApiKeyId::parse(key).ok()?;
    Some((day.parse().ok()?, key, route.to_owned()))
}

/// Sort-key prefix of the daily rollups in a month's partition.
pub const ROLLUP_DAY_PREFIX: &str = "ROLLUP#";

/// The rollup of one route on one UTC day (all keys together): `ROLLUP#<DD>#ROUTE#<route>`.
pub fn rollup_sk(day: jiff::civil::Date, route: &str) -> String {
    format!("{ROLLUP_DAY_PREFIX}{}#ROUTE#{route}", day.strftime("%d"))
}

/// Day of month and route of a rollup's sort key ([`rollup_sk`]).
pub fn parse_rollup_sk(sk: &str) -> Option<(i8, String)> {
    let (day, route) = sk.strip_prefix(ROLLUP_DAY_PREFIX)?.split_once("#ROUTE#")?;
    Some((day.parse().ok()?, route.to_owned()))
}

/// `CONSENT#<partnerId>#<partnerUserId>`: a user's consent to one partner, found by the
/// pseudonymous id the partner holds (one `GetItem` per partner request).
pub fn consent_pk(
    partner: &crate::domain::PartnerId,
    user: &crate::domain::PartnerUserId,
) -> String {
    format!("CONSENT#{partner}#{user}")
}

/// Sort-key prefix of the consents in a user's partition.
pub const USER_CONSENT_PREFIX: &str = "CONSENT#";

/// The consent's entry in its user's partition (`USER#<publicId>`): `CONSENT#<partnerId>`.
pub fn user_consent_sk(partner: &crate::domain::PartnerId) -> String {
    format!("{USER_CONSENT_PREFIX}{partner}")
}

/// The sort key of a user's precomputed recommendations in their partition (`USER#<publicId>`).
pub const RECOMMENDATIONS_SK: &str = "RECOMMENDATIONS";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rating_shards_name_their_cafe() {
        let cafe = CafeId::from_entropy(7);
        assert_eq!(
            shard_cafe(&ratings_pk(&cafe), &shard_sk("eu-west-1")),
            Some(cafe.clone())
        );
        let user = crate::domain::PublicUserId::from_entropy(3);
        assert_eq!(shard_cafe(&ratings_pk(&cafe), &reviewer_sk(&user)), None);
        assert_eq!(shard_cafe(&cafe_pk(&cafe), &shard_sk("eu-west-1")), None);
        assert_eq!(shard_cafe("RATINGS#not-an-id", &shard_sk("x")), None);
    }

    #[test]
    fn list_shards_are_stable_and_even() {
        // Stored entries sit where this hash put them: it must never change.
        assert_eq!(list_shard("abc", 8), (0xba78_16bf_8f01_cfea_u64 % 8) as u32);
        assert_eq!(list_shard("abc", 1), 0);
        let mut counts = [0u32; 8];
        for n in 0..8_000 {
            counts[list_shard(&format!("caf_{n}"), 8) as usize] += 1;
        }
        assert!(
            counts.iter().all(|c| (900..1_100).contains(c)),
            "{counts:?}"
        );
        assert_eq!(cafe_list_shard_lpk("CITY#oslo", 3), "CAFES#CITY#oslo#S3");
        let cafe = CafeId::from_entropy(7);
        let lpk = cafe_list_lpk(ALL, &cafe);
        assert!(cafe_list_sources(ALL).contains(&lpk));
        assert_eq!(
            cafe_list_sources(ALL).len(),
            8 + usize::from(READ_UNSHARDED_CAFE_LISTS)
        );
        let roaster = roaster_dim(&RoasterId::from_entropy(1));
        assert_eq!(cafe_list_shards(&roaster), 1);
        assert_eq!(
            cafe_list_shards(&city_dim(&Slug::parse("oslo").expect("slug"))),
            8
        );
        // The sync list: the same shard function, its own partitions.
        assert_eq!(
            cafe_sync_lpk(&cafe),
            format!("CAFES#UPDATED#S{}", list_shard(cafe.as_str(), 8))
        );
        assert!(cafe_sync_sources().contains(&cafe_sync_lpk(&cafe)));
        assert_eq!(
            cafe_sync_sources().contains(&cafes_updated_lpk()),
            READ_UNSHARDED_CAFE_LISTS
        );
        assert_eq!(
            cafe_sync_sources().len(),
            CAFE_SYNC_SHARDS as usize + usize::from(READ_UNSHARDED_CAFE_LISTS)
        );
    }

    #[test]
    fn update_keys_sort_oldest_first_and_floors_include_their_instant() {
        let at = |s: i64| jiff::Timestamp::from_second(s).unwrap();
        let early = by_updated(at(1_700_000_000), "caf_b");
        let same_instant = by_updated(at(1_700_000_000), "caf_c");
        let later = by_updated(at(1_700_000_001), "caf_a");
        assert!(early < same_instant && same_instant < later);
        // The floor of an instant is at or below every key of that instant, above every earlier.
        let floor = updated_floor(at(1_700_000_000));
        assert!(floor.as_str() < early.as_str());
        assert!(by_updated(at(1_699_999_999), "caf_z").as_str() < floor.as_str());
        assert!(later.as_str() < SORT_CEILING);
    }

    #[test]
    fn rating_keys_sort_best_first() {
        let best = by_rating(4.9, 10, "b", "x");
        let more_reviews = by_rating(4.5, 200, "a", "y");
        let fewer_reviews = by_rating(4.5, 3, "a", "z");
        let none = by_rating(0.0, 0, "a", "w");
        let mut keys = vec![
            none.clone(),
            fewer_reviews.clone(),
            best.clone(),
            more_reviews.clone(),
        ];
        keys.sort();
        assert_eq!(keys, vec![best, more_reviews, fewer_reviews, none]);
    }

    #[test]
    fn newest_keys_sort_newest_first() {
        let old = by_newest(
            jiff::Timestamp::from_second(1_600_000_000).expect("valid"),
            "a",
        );
        let new = by_newest(
            jiff::Timestamp::from_second(1_700_000_000).expect("valid"),
            "b",
        );
        assert!(new < old);
    }

    #[test]
    fn name_keys_ignore_case_and_accents() {
        assert_eq!(name_key("Óscar's Café"), "oscar-s-cafe");
        assert!(by_name("apple", "1") < by_name("Banana", "2"));
    }
}
