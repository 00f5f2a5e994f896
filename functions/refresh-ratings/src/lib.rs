//! The rating refresher: a DynamoDB Streams consumer that keeps each café's rating exact and
//! shown. Review writes change only the review, its author marker, this region's rating shard and
//! the author's list entry; everything else converges here, asynchronously.
//!
//! Two kinds of record get through the mapping's filter (the handler checks the keys again and
//! skips any other record):
//!
//! * **Author markers** (`RATINGS#<cafe>` / `REVIEWER#<author>`). When a marker version this
//!   region wrote is replaced by a version written in another region (replication is
//!   last-writer-wins per item), this region's shard gives back the star it counted for it, and
//!   the review it named is deleted if the winner names another one
//!   ([`MarkerSettler::settle_marker`], idempotent). That is what keeps a review counted once
//!   when the same write ran in two regions (docs/reviews.md, "Across regions").
//! * **Rating shards** (`SHARD#<region>`): each café of the batch is applied once
//!   ([`RatingWriter::apply_rating`]: summary recomputed from the shards, conditional on the café
//!   profile's version, only rating fields written). A settlement changes a shard, whose record
//!   comes back through the stream and refreshes the café.
//!
//! A failure is reported as a batch item failure. Streams are ordered per shard, so the report
//! names the first failing record and every record after it: Lambda checkpoints before the
//! lowest sequence number reported and delivers the rest again. Re-applying is harmless
//! (settlements are recorded, and a café with nothing new is not written), so redelivery costs
//! reads only.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde_dynamo::AttributeValue;
use shared::domain::{CafeId, PublicUserId};
use shared::ports::{MarkerSettler, RatingChange, RatingWriter, ReviewMarker};
use shared::store::keys;
use tracing::instrument;

/// What the consumer needs: the store as a rating writer, and this region's review store as
/// the settler of its replaced author markers.
pub struct Deps<S, M> {
    pub store: S,
    pub markers: M,
}

/// What one batch did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Cafés whose items now show a new summary.
    pub changed: usize,
    /// Cafés that already showed it.
    pub unchanged: usize,
    /// Shard records of cafés that no longer exist.
    pub gone: usize,
    /// Marker versions of this region replaced by another region's: stars given back.
    pub released: usize,
    /// Reviews deleted because the winning marker names another review of their author.
    pub removed_reviews: usize,
    /// Records with nothing to do here: other items, and marker changes this region does not
    /// settle (its own writes, other regions' versions).
    pub skipped: usize,
    /// The failure report: the first failing record and every later record.
    pub response: DynamoDbEventResponse,
}

fn key<'a>(record: &'a EventRecord, name: &str) -> Option<&'a str> {
    match record.change.keys.get(name) {
        Some(AttributeValue::S(value)) => Some(value.as_str()),
        _ => None,
    }
}

/// The café whose rating shard a record changed; `None` for any other item.
pub fn shard_cafe(record: &EventRecord) -> Option<CafeId> {
    keys::shard_cafe(key(record, "PK")?, key(record, "SK")?)
}

/// An author marker change: the café, the author, the version before (if readable) and after.
pub struct MarkerChange {
    pub cafe: CafeId,
    pub author: PublicUserId,
    pub old: Option<ReviewMarker>,
    pub new: Option<ReviewMarker>,
}

fn marker_in(image: &serde_dynamo::Item) -> Option<ReviewMarker> {
    match image.get("doc") {
        Some(AttributeValue::S(doc)) => ReviewMarker::parse(doc),
        _ => None,
    }
}

/// The author marker change a record carries; `None` for any other item.
pub fn marker_change(record: &EventRecord) -> Option<MarkerChange> {
    let (cafe, author) = keys::marker_owner(key(record, "PK")?, key(record, "SK")?)?;
    Some(MarkerChange {
        cafe,
        author,
        old: marker_in(&record.change.old_image),
        new: marker_in(&record.change.new_image),
    })
}

fn failures_from(records: &[EventRecord], position: usize) -> Vec<DynamoDbBatchItemFailure> {
    records[position..]
        .iter()
        .map(|record| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            failure
        })
        .collect()
}

/// Handles one batch of stream records.
#[instrument(skip_all, fields(records = event.records.len()))]
pub async fn handle<S: RatingWriter, M: MarkerSettler>(
    deps: &Deps<S, M>,
    event: Event,
) -> Refreshed {
    let records = event.records;
    let mut done = Refreshed::default();
    // The first record that failed: it and everything after it are delivered again.
    let mut failed_at: Option<usize> = None;
    // Each café once, at the position of its first record.
    let mut cafes: Vec<(usize, CafeId)> = Vec::new();
    for (position, record) in records.iter().enumerate() {
        if let Some(change) = marker_change(record) {
            let Some(old) = &change.old else {
                done.skipped += 1;
                continue;
            };
            match deps
                .markers
                .settle_marker(&change.cafe, &change.author, old, change.new.as_ref())
                .await
            {
                Ok(settled) if settled.released || settled.removed_review => {
                    done.released += usize::from(settled.released);
                    done.removed_reviews += usize::from(settled.removed_review);
                }
                Ok(_) => done.skipped += 1,
                Err(e) => {
                    tracing::warn!(cafe_id = %change.cafe, error = %e, "marker settlement failed; the records from here on will be retried");
                    failed_at = Some(position);
                    break;
                }
            }
            continue;
        }
        match shard_cafe(record) {
            Some(cafe) if !cafes.iter().any(|(_, c)| c == &cafe) => cafes.push((position, cafe)),
            Some(_) => {}
            None => done.skipped += 1,
        }
    }
    for (position, cafe) in cafes {
        if failed_at.is_some_and(|f| f <= position) {
            break;
        }
        match deps.store.apply_rating(&cafe).await {
            Ok(RatingChange::Changed) => done.changed += 1,
            Ok(RatingChange::Unchanged) => done.unchanged += 1,
            Ok(RatingChange::NoCafe) => done.gone += 1,
            Err(e) => {
                tracing::warn!(cafe_id = %cafe, error = %e, "rating refresh failed; the records from here on will be retried");
                failed_at = Some(failed_at.map_or(position, |f| f.min(position)));
                break;
            }
        }
    }
    if let Some(position) = failed_at {
        done.response.batch_item_failures = failures_from(&records, position);
    }
    tracing::info!(
        changed = done.changed,
        unchanged = done.unchanged,
        gone = done.gone,
        released = done.released,
        removed_reviews = done.removed_reviews,
        skipped = done.skipped,
        failed = done.response.batch_item_failures.len(),
        "ratings refreshed"
    );
    done
}
