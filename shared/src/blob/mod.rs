//! Blob stores and upload signers: S3 (feature `s3`) and the local directory the local server
//! uses. Both implement the same ports ([`crate::ports::BlobStore`],
//! [`crate::ports::UploadSigner`]) and `tests/` runs one contract suite against each.

#[cfg(feature = "cloudfront")]
pub mod cloudfront;
pub mod local;
#[cfg(feature = "presign")]
pub mod presign;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "sqs")]
pub mod sqs;

/// `Cache-Control` of published renditions: their keys are content hashes, so they never
/// change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
