//! S3: the uploads and media buckets, and presigned POST targets for browser uploads.
//! SDK types stay inside this module; failures leave as [`StoreError`].

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use crate::domain::UploadType;
use crate::ports::{BlobStore, Fetched, StoreError, UploadSigner};
use crate::upload::{SigningKey, UploadRule, UploadTarget, sign};

fn backend<E>(operation: &'static str) -> impl FnOnce(SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |err| {
        if matches!(err.code(), Some("SlowDown" | "ThrottlingException")) {
            StoreError::Throttled { operation }
        } else {
            StoreError::Backend {
                operation,
                source: Box::new(err),
            }
        }
    }
}

/// Builds an S3 client from the environment; path-style addressing when `AWS_ENDPOINT_URL`
/// points at a local protocol server.
pub async fn client_from_env() -> (Client, aws_config::SdkConfig) {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let path_style = std::env::var_os("AWS_ENDPOINT_URL").is_some();
    let s3 = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(path_style)
        .build();
    (Client::from_conf(s3), config)
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
}

/// Presigned POST targets on the uploads bucket, signed with the function's own credentials.
#[derive(Clone, Debug)]
pub struct S3Uploads {
    config: aws_config::SdkConfig,
    bucket: String,
    region: String,
    url: String,
}

impl S3Uploads {
    /// Targets for `bucket`; the URL is the bucket's virtual-hosted endpoint, or path-style
    /// under `AWS_ENDPOINT_URL` when set.
    pub fn new(config: aws_config::SdkConfig, bucket: impl Into<String>) -> Self {
        let bucket = bucket.into();
        let region = config
            .region()
            .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string());
        let url = match std::env::var("AWS_ENDPOINT_URL") {
            Ok(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            Err(_) => format!("https://{bucket}.s3.{region}.amazonaws.com/"),
        };
        Self {
            config,
            bucket,
            region,
            url,
        }
    }
}

impl UploadSigner for S3Uploads {
    async fn upload_target(
        &self,
        key: &str,
        content_type: UploadType,
        content_length: u64,
        now: jiff::Timestamp,
    ) -> Result<UploadTarget, StoreError> {
        let provider = self
            .config
            .credentials_provider()
            .ok_or_else(|| StoreError::Backend {
                operation: "sign_upload",
                source: "no AWS credentials provider configured".into(),
            })?;
        let credentials =
            provider
                .provide_credentials()
                .await
                .map_err(|e| StoreError::Backend {
                    operation: "sign_upload",
                    source: Box::new(e),
                })?;
        Ok(sign(
            &UploadRule {
                bucket: self.bucket.clone(),
                key: key.to_owned(),
                content_type,
                content_length,
            },
            &SigningKey {
                access_key_id: credentials.access_key_id().to_owned(),
                secret_access_key: credentials.secret_access_key().to_owned(),
                session_token: credentials.session_token().map(str::to_owned),
            },
            &self.region,
            self.url.clone(),
            now,
        ))
    }
}
