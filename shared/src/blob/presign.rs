//! Presigned S3 POST targets for browser uploads, signed with the function's own credentials.
//! Needs no S3 client (feature `presign`), which keeps `create-photo` small.

use aws_credential_types::provider::ProvideCredentials;

use crate::aws::SdkConfig;
use crate::domain::UploadType;
use crate::ports::{StoreError, UploadSigner};
use crate::upload::{SigningKey, UploadRule, UploadTarget, sign};

/// Presigned POST targets on the uploads bucket, signed with the function's own credentials.
#[derive(Clone, Debug)]
pub struct S3Uploads {
    config: SdkConfig,
    bucket: String,
    region: String,
    url: String,
}

impl S3Uploads {
    /// Targets for `bucket`; the URL is the bucket's virtual-hosted endpoint, or path-style
    /// under `AWS_ENDPOINT_URL` when set.
    pub fn new(config: SdkConfig, bucket: impl Into<String>) -> Self {
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
