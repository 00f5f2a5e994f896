//! CloudFront invalidations (feature `cloudfront`): what photo deletion asks of the CDN so a
//! deleted photo's renditions stop being served from edge caches. SDK types stay inside this
//! module; failures leave as [`StoreError`].

use aws_sdk_cloudfront::Client;
use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};

use crate::ports::{CdnInvalidator, StoreError};

/// One distribution.
#[derive(Clone, Debug)]
pub struct CloudFrontInvalidator {
    client: Client,
    distribution_id: String,
}

impl CloudFrontInvalidator {
    pub fn new(client: Client, distribution_id: impl Into<String>) -> Self {
        Self {
            client,
            distribution_id: distribution_id.into(),
        }
    }
}

fn backend(source: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend {
        operation: "create_invalidation",
        source: Box::new(source),
    }
}

impl CdnInvalidator for CloudFrontInvalidator {
    async fn invalidate(&self, paths: Vec<String>) -> Result<(), StoreError> {
        if paths.is_empty() {
            return Ok(());
        }
        let quantity = i32::try_from(paths.len()).unwrap_or(i32::MAX);
        // CloudFront treats a repeated caller reference as the same invalidation, so it must
        // be unique per request: renditions are content-addressed, and the same path may need
        // invalidating again after being published anew.
        let reference = format!(
            "{}-{:016x}",
            jiff::Timestamp::now().as_nanosecond(),
            fnv1a(&paths.join(","))
        );
        let paths = Paths::builder()
            .quantity(quantity)
            .set_items(Some(paths))
            .build()
            .map_err(backend)?;
        let batch = InvalidationBatch::builder()
            .paths(paths)
            .caller_reference(reference)
            .build()
            .map_err(backend)?;
        self.client
            .create_invalidation()
            .distribution_id(&self.distribution_id)
            .invalidation_batch(batch)
            .send()
            .await
            .map_err(|e| crate::aws::store_error("create_invalidation", e))?;
        Ok(())
    }
}

/// A 64-bit digest (FNV-1a) of the path list, to tell apart references made in the same
/// nanosecond.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
