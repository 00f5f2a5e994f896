//! S3: the uploads and media buckets (the worker reads one and writes the other).
//! SDK types stay inside this module; failures leave as [`StoreError`].

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use crate::ports::{BlobStore, Fetched, StoreError};

fn backend<E>(operation: &'static str) -> impl FnOnce(SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |err| crate::aws::store_error(operation, err)
}

/// Builds an S3 client from the environment with the budget `CRAFTBEAN_BUDGET` names
/// (path-style addressing when `AWS_ENDPOINT_URL` points at a local protocol server), and the
/// configuration it came from, for the other clients of the same function.
pub async fn client_from_env() -> (Client, crate::aws::Aws) {
    let aws = crate::aws::Aws::from_env_budget().await;
    (aws.s3(), aws)
}

/// One bucket.
#[derive(Clone, Debug)]
pub struct S3Blobs {
    client: Client,
    bucket: String,
}

impl S3Blobs {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// Creates the bucket (local runs and tests; production buckets come from template.yaml).
    pub async fn create_bucket(&self) -> Result<(), StoreError> {
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.code(),
                    Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(backend("create_bucket")(e)),
        }
    }

    /// The `Cache-Control` stored with `key` (tests check what the worker publishes).
    pub async fn cache_control(&self, key: &str) -> Result<Option<String>, StoreError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(backend("head_object"))?;
        Ok(head.cache_control)
    }
}

impl BlobStore for S3Blobs {
    async fn get(&self, key: &str, max_bytes: u64) -> Result<Fetched, StoreError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Ok(Fetched::Missing);
            }
            Err(e) => return Err(backend("get_object")(e)),
        };
        let size = u64::try_from(out.content_length.unwrap_or(0)).unwrap_or(0);
        if size > max_bytes {
            return Ok(Fetched::TooLarge(size));
        }
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Backend {
                operation: "get_object",
                source: Box::new(e),
            })?
            .into_bytes();
        if bytes.len() as u64 > max_bytes {
            return Ok(Fetched::TooLarge(bytes.len() as u64));
        }
        Ok(Fetched::Bytes(bytes.to_vec()))
    }

    async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        cache_control: &str,
    ) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .cache_control(cache_control)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(backend("put_object"))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        // S3 answers 204 whether or not the key existed.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(backend("delete_object"))?;
        Ok(())
    }
}
