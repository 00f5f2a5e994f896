//! The local stand-ins for S3: objects as files under a directory, and upload targets on the
//! local server signed with a local secret (checked by [`crate::upload::verify`]).

use std::path::PathBuf;

use crate::domain::UploadType;
use crate::ports::{BlobStore, Fetched, StoreError, UploadSigner};
use crate::upload::{SigningKey, UploadRule, UploadTarget, sign};

/// Region name local signatures use.
pub const LOCAL_REGION: &str = "local";

fn io(operation: &'static str) -> impl FnOnce(std::io::Error) -> StoreError {
    move |source| StoreError::Backend {
        operation,
        source: Box::new(source),
    }
}

/// Objects stored as files: `<root>/<key>`. Keys are checked to stay inside the root.
#[derive(Clone, Debug)]
pub struct DirBlobs {
    root: PathBuf,
}

impl DirBlobs {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        let safe = !key.is_empty()
            && key
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..")
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c));
        if safe {
            Ok(self.root.join(key))
        } else {
            Err(StoreError::Backend {
                operation: "blob_key",
                source: format!("unsafe object key {key:?}").into(),
            })
        }
    }
}

impl BlobStore for DirBlobs {
    async fn get(&self, key: &str, max_bytes: u64) -> Result<Fetched, StoreError> {
        let path = self.path(key)?;
        match tokio::fs::metadata(&path).await {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Fetched::Missing),
            Err(e) => return Err(io("blob_get")(e)),
            Ok(meta) if meta.len() > max_bytes => return Ok(Fetched::TooLarge(meta.len())),
            Ok(_) => {}
        }
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Fetched::Bytes(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Fetched::Missing),
            Err(e) => Err(io("blob_get")(e)),
        }
    }

    async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        _content_type: &str,
        _cache_control: &str,
    ) -> Result<(), StoreError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(io("blob_put"))?;
        }
        // Write then rename, so a reader never sees half a file.
        let tmp = path.with_extension("partial");
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(io("blob_put"))?;
        tokio::fs::rename(&tmp, &path).await.map_err(io("blob_put"))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("blob_delete")(e)),
            _ => Ok(()),
        }
    }
}

/// The local CDN: nothing caches media, so there is nothing to invalidate.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCdn;

impl crate::ports::CdnInvalidator for NoCdn {
    async fn invalidate(&self, _paths: Vec<String>) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Upload targets on the local server (`POST <url>`), signed like S3 POST policies with a
/// secret only the local server knows.
#[derive(Clone)]
pub struct LocalUploads {
    pub url: String,
    pub bucket: String,
    pub secret: String,
}

impl UploadSigner for LocalUploads {
    async fn upload_target(
        &self,
        key: &str,
        content_type: UploadType,
        content_length: u64,
        now: jiff::Timestamp,
    ) -> Result<UploadTarget, StoreError> {
        Ok(sign(
            &UploadRule {
                bucket: self.bucket.clone(),
                key: key.to_owned(),
                content_type,
                content_length,
            },
            &SigningKey {
                access_key_id: "local".to_owned(),
                secret_access_key: self.secret.clone(),
                session_token: None,
            },
            LOCAL_REGION,
            self.url.clone(),
            now,
        ))
    }
}
