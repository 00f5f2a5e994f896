//! Runs the worker against an SQS queue outside Lambda (feature `poller`): what Lambda's event
//! source mapping does with `ReportBatchItemFailures`. A message whose uploads were all handled
//! is deleted; one that hit a transient failure is left alone, so SQS hands it out again after
//! its visibility timeout and, after `maxReceiveCount` receives, moves it to the dead-letter
//! queue. A message that is not an S3 notification is deleted (it can never succeed).

use shared::blob::sqs::SqsQueue;
use shared::ports::{BlobStore, PhotoReader, PhotoWriter, StoreError};

use crate::{Deps, process_upload, upload_keys};

/// What one poll did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollReport {
    pub received: usize,
    pub deleted: usize,
    /// Left on the queue for redelivery.
    pub retried: usize,
}

/// Receives up to ten messages (waiting up to `wait_seconds`) and handles them.
pub async fn poll_once<S, U, M>(
    deps: &Deps<S, U, M>,
    queue: &SqsQueue,
    wait_seconds: i32,
) -> Result<PollReport, StoreError>
where
    S: PhotoReader + PhotoWriter + shared::ports::CoverWriter,
    U: BlobStore,
    M: BlobStore,
{
    let mut report = PollReport::default();
    for message in queue.receive(10, wait_seconds).await? {
        report.received += 1;
        let keys = match upload_keys(&message.body) {
            Ok(keys) => keys,
            Err(e) => {
                tracing::error!(message_id = %message.message_id, error = %e, "deleting a message that is not an S3 event");
                Vec::new()
            }
        };
        let mut ok = true;
        for key in keys {
            if let Err(e) = process_upload(deps, &key).await {
                tracing::warn!(message_id = %message.message_id, receive_count = message.receive_count, key, error = %e, "left for redelivery");
                ok = false;
                break;
            }
        }
        if ok {
            queue.delete(&message.receipt_handle).await?;
            report.deleted += 1;
        } else {
            report.retried += 1;
        }
    }
    Ok(report)
}
