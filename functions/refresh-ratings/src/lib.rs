//! The rating refresher: a DynamoDB Streams consumer that makes each café's items show the
//! rating its shards add up to. Review writes change only the review, its author marker, this
//! region's rating shard and the author's list entry; the café's copies of the summary (profile
//! `rating`, list, geo and term entries, the `SR` sort key) converge here, asynchronously.
//!
//! The event source mapping's filter hands over only rating shard changes; the handler checks
//! the keys again (a record of any other item is skipped), applies each café of the batch once
//! ([`RatingWriter::apply_rating`]: summary recomputed from the shards, conditional on the café
//! profile's version, only rating fields written), and reports a failure as a batch item
//! failure. Streams are ordered per shard, so the report names the first record of the café that
//! failed and every record after it: Lambda checkpoints before the lowest sequence number
//! reported and delivers the rest again. Re-applying a café is harmless (no write when nothing
//! changed), so redelivery costs reads only.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde_dynamo::AttributeValue;
use shared::domain::CafeId;
use shared::ports::{RatingChange, RatingWriter};
use shared::store::keys;
use tracing::instrument;

/// What the consumer needs: the store, as a rating writer only.
pub struct Deps<S> {
    pub store: S,
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
    /// Records that were not rating shards (skipped).
    pub skipped: usize,
    /// The failure report: the first failing café's first record and every later record.
    pub response: DynamoDbEventResponse,
}

/// The café whose rating shard a record changed; `None` for any other item.
pub fn shard_cafe(record: &EventRecord) -> Option<CafeId> {
    let key = |name: &str| match record.change.keys.get(name) {
        Some(AttributeValue::S(value)) => Some(value.as_str()),
        _ => None,
    };
    keys::shard_cafe(key("PK")?, key("SK")?)
}

/// Handles one batch of stream records.
#[instrument(skip_all, fields(records = event.records.len()))]
pub async fn handle<S: RatingWriter>(deps: &Deps<S>, event: Event) -> Refreshed {
    let records = event.records;
    let mut done = Refreshed::default();
    // Each café once, at the position of its first record.
    let mut cafes: Vec<(usize, CafeId)> = Vec::new();
    for (position, record) in records.iter().enumerate() {
        match shard_cafe(record) {
            Some(cafe) if !cafes.iter().any(|(_, c)| c == &cafe) => cafes.push((position, cafe)),
            Some(_) => {}
            None => done.skipped += 1,
        }
    }
    for (position, cafe) in cafes {
        match deps.store.apply_rating(&cafe).await {
            Ok(RatingChange::Changed) => done.changed += 1,
            Ok(RatingChange::Unchanged) => done.unchanged += 1,
            Ok(RatingChange::NoCafe) => done.gone += 1,
            Err(e) => {
                tracing::warn!(cafe_id = %cafe, error = %e, "rating refresh failed; the records from here on will be retried");
                // Everything from this record on is delivered again: stop here.
                done.response.batch_item_failures = records[position..]
                    .iter()
                    .map(|record| {
                        let mut failure = DynamoDbBatchItemFailure::default();
                        failure.item_identifier = record.change.sequence_number.clone();
                        failure
                    })
                    .collect();
                break;
            }
        }
    }
    tracing::info!(
        changed = done.changed,
        unchanged = done.unchanged,
        gone = done.gone,
        skipped = done.skipped,
        failed = done.response.batch_item_failures.len(),
        "ratings refreshed"
    );
    done
}
