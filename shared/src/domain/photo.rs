//! Photos of cafés: what a client declares before uploading, and what the worker makes of it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{CafeId, PhotoId, PublicUserId};

/// Largest upload accepted, bytes (15 MiB).
pub const MAX_UPLOAD_BYTES: u64 = 15 * 1024 * 1024;
/// How long after its announcement a photo may still be uploaded; a photo still pending then
/// ends `failed` with [`NEVER_UPLOADED`].
pub const UPLOAD_DEADLINE: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
/// `failureReason` of a photo whose file never arrived before [`UPLOAD_DEADLINE`].
pub const NEVER_UPLOADED: &str = "never-uploaded";
/// Longest caption, characters.
pub const MAX_CAPTION_CHARS: usize = 300;

/// The image types a client may declare. The worker still detects the real format from the
/// bytes; a declared type only decides what the upload policy accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/webp")]
    Webp,
}

impl UploadType {
    /// Every accepted type.
    pub const ALL: [UploadType; 3] = [Self::Jpeg, Self::Png, Self::Webp];

    /// Parses a MIME type (`image/jpeg`, `image/png`, `image/webp`).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// The MIME type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }
}

/// Where a photo is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoStatus {
    /// Waiting for the upload and the worker.
    Pending,
    /// Renditions are on the CDN.
    Ready,
    /// The upload can never become a photo (see `failure_reason`).
    Failed,
}

/// One published rendition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rendition {
    /// The longest-side size it was made for (320, 960 or 1920).
    pub size: u32,
    pub width: u32,
    pub height: u32,
    /// `webp` or `jpeg`.
    pub format: String,
    /// Where clients load it (the CDN, or the local server's media URL).
    pub url: String,
}

/// A photo of a café.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Photo {
    pub id: PhotoId,
    pub cafe_id: CafeId,
    pub uploaded_by: PublicUserId,
    pub caption: Option<String>,
    /// Declared by the client while pending; once ready, the format the bytes really were.
    pub content_type: UploadType,
    pub content_length: u64,
    pub status: PhotoStatus,
    pub renditions: Vec<Rendition>,
    pub failure_reason: Option<String>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
    #[serde(with = "super::time::rfc3339_millis")]
    pub updated_at: Timestamp,
}

/// A photo as responses show it: every field of [`Photo`] plus its uploader's public
/// reference (`author: {id, displayName}`; `uploadedBy` is the same id).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhotoView {
    #[serde(flatten)]
    pub photo: Photo,
    pub author: super::Author,
}

impl Photo {
    /// The photo as responses show it, with its uploader's public reference.
    pub fn view(&self, author: super::Author) -> PhotoView {
        PhotoView {
            photo: self.clone(),
            author,
        }
    }

    /// When a photo still pending is given up ([`UPLOAD_DEADLINE`] after its announcement).
    pub fn upload_deadline(&self) -> Timestamp {
        self.created_at
            .checked_add(UPLOAD_DEADLINE)
            .unwrap_or(Timestamp::MAX)
    }

    /// The object key its upload goes to in the uploads bucket.
    pub fn upload_key(&self) -> String {
        upload_key(&self.id)
    }
}

/// `uploads/<photoId>`: the worker finds the photo from the key alone.
pub fn upload_key(id: &PhotoId) -> String {
    format!("uploads/{id}")
}

/// The photo an upload key belongs to.
pub fn photo_of_upload_key(key: &str) -> Option<PhotoId> {
    key.strip_prefix("uploads/")
        .and_then(|id| PhotoId::parse(id).ok())
}

/// A café's cover: one ready photo's rendition set. The newest ready photo wins; the order is
/// `(created_at, photo_id)`, so two photos announced in the same microsecond still have one winner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoverPhoto {
    pub photo_id: PhotoId,
    pub renditions: Vec<Rendition>,
    /// When the photo was announced (its place in the café's newest-first photo list); written
    /// with three fractional digits like every timestamp (photos are created at millisecond
    /// precision, so nothing is lost).
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
}

impl CoverPhoto {
    /// The cover a ready photo makes (`None` while it is pending or failed).
    pub fn of(photo: &Photo) -> Option<Self> {
        (photo.status == PhotoStatus::Ready).then(|| Self {
            photo_id: photo.id.clone(),
            renditions: photo.renditions.clone(),
            created_at: photo.created_at,
        })
    }

    /// Whether this cover is newer than `other` (the one that should win).
    pub fn is_newer_than(&self, other: &CoverPhoto) -> bool {
        (self.created_at, self.photo_id.as_str()) > (other.created_at, other.photo_id.as_str())
    }
}

/// How processing ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhotoOutcome {
    /// Renditions published. `content_type` is the format the bytes turned out to be (the
    /// worker sniffs it), which replaces the declared type.
    Ready {
        renditions: Vec<Rendition>,
        content_type: UploadType,
    },
    Failed(String),
}
