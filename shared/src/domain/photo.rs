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

/// A deleted photo's published renditions, still to be removed from the media bucket and the
/// CDN that serve them. Each region's worker publishes under its own distribution, so a purge
/// names the host of the rendition URLs and only that region's sweep acts on it (a photo
/// deleted through another region's API is still purged where it lives). The store queues it
/// in the same write that deletes the photo, so a deletion can never leave media behind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaPurge {
    pub photo_id: PhotoId,
    /// The authority of the rendition URLs (`d111111abcdef8.cloudfront.net`; `127.0.0.1:8080`
    /// on the local server).
    pub host: String,
    /// Media object names, `<sha256>.<webp|jpeg>`.
    pub names: Vec<String>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub deleted_at: Timestamp,
}

impl MediaPurge {
    /// What deleting `photo` at `at` leaves to purge: its renditions whose URLs have the shape
    /// the worker publishes (`<scheme>://<host>/…/media/<sha256>.<ext>`) on the first such
    /// URL's host. `None` when there are none (a pending or failed photo). Anything else in a
    /// URL is never turned into a key, so a stored URL cannot name another object.
    pub fn of(photo: &Photo, at: Timestamp) -> Option<Self> {
        let mut host = None;
        let mut names = Vec::new();
        for (h, name) in photo.renditions.iter().filter_map(|r| media_name(&r.url)) {
            if *host.get_or_insert(h) == h {
                names.push(name.to_owned());
            }
        }
        Some(Self {
            photo_id: photo.id.clone(),
            host: host?.to_owned(),
            names,
            deleted_at: at,
        })
    }

    /// The objects to delete from the media bucket (`media/<name>`).
    pub fn keys(&self) -> impl Iterator<Item = String> + '_ {
        self.names.iter().map(|n| format!("media/{n}"))
    }

    /// The CDN paths to invalidate (`/media/<name>`).
    pub fn paths(&self) -> impl Iterator<Item = String> + '_ {
        self.names.iter().map(|n| format!("/media/{n}"))
    }
}

/// The host (authority) of an absolute URL: `https://host:port/path` → `host:port`.
pub fn url_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then_some(host)
}

/// The host and media object name of a published rendition URL, if it has that shape.
fn media_name(url: &str) -> Option<(&str, &str)> {
    let host = url_host(url)?;
    let (dir, name) = url.rsplit_once('/')?;
    let (hash, ext) = name.split_once('.')?;
    let hex = hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (dir.ends_with("/media") && hex && matches!(ext, "webp" | "jpeg")).then_some((host, name))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn photo_with(urls: &[String]) -> Photo {
        let at = Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        Photo {
            id: PhotoId::from_entropy(7),
            cafe_id: CafeId::from_entropy(1),
            uploaded_by: PublicUserId::from_entropy(2),
            caption: None,
            content_type: UploadType::Jpeg,
            content_length: 10,
            status: PhotoStatus::Ready,
            renditions: urls
                .iter()
                .map(|url| Rendition {
                    size: 320,
                    width: 320,
                    height: 240,
                    format: "webp".to_owned(),
                    url: url.clone(),
                })
                .collect(),
            failure_reason: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_purge_names_the_published_renditions_on_their_host_and_nothing_else() {
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let photo = photo_with(&[
            format!("https://d1.cloudfront.net/media/{hash}.webp"),
            format!("https://d1.cloudfront.net/media/{hash}.jpeg"),
            // Not the worker's shape: never turned into a key.
            "https://d1.cloudfront.net/media/../uploads/x.webp".to_owned(),
            format!("https://d1.cloudfront.net/media/{hash}.png"),
            "https://d1.cloudfront.net/media/ABC.webp".to_owned(),
            format!("https://d1.cloudfront.net/uploads/{hash}.webp"),
            format!("not a url/media/{hash}.webp"),
            // Another host than the first rendition's.
            format!("https://d2.cloudfront.net/media/{hash}.webp"),
        ]);
        let at = Timestamp::from_second(1_900_000_000).unwrap();
        let purge = MediaPurge::of(&photo, at).unwrap();
        assert_eq!(purge.host, "d1.cloudfront.net");
        assert_eq!(
            purge.names,
            [format!("{hash}.webp"), format!("{hash}.jpeg")]
        );
        assert_eq!(purge.deleted_at, at);
        assert_eq!(
            purge.keys().collect::<Vec<_>>(),
            [format!("media/{hash}.webp"), format!("media/{hash}.jpeg")]
        );
        assert_eq!(
            purge.paths().collect::<Vec<_>>(),
            [format!("/media/{hash}.webp"), format!("/media/{hash}.jpeg")]
        );
        // The local server's URLs carry a port.
        let local = photo_with(&[format!("http://127.0.0.1:8080/media/{hash}.webp")]);
        assert_eq!(MediaPurge::of(&local, at).unwrap().host, "127.0.0.1:8080");
        // No published rendition, nothing to purge.
        assert_eq!(MediaPurge::of(&photo_with(&[]), at), None);
        assert_eq!(url_host("https://"), None);
        assert_eq!(url_host("https://h.example?x"), Some("h.example"));
    }
}
