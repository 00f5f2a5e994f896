//! Turning untrusted upload bytes into safe renditions: pure, no I/O.
//!
//! - The format comes from the bytes (magic numbers), never from a name or a declared type.
//! - Dimensions are read from the header and checked before any pixel is decoded, and the
//!   decoder runs with allocation limits, so a decompression bomb is refused, not decoded.
//! - A JPEG is decoded by mozjpeg ([`crate::jpeg`]) at the smallest DCT scale (n/8, n = 1 … 8)
//!   whose longest side still covers the largest rendition, so a 50 MP photo never exists at
//!   full size in memory; PNG, WebP and CMYK JPEGs go through the `image` crate.
//! - EXIF orientation is applied to the pixels; the renditions are encoded from pixels only,
//!   so no metadata (EXIF, GPS, XMP, ICC, comments) can reach them.
//! - Each rendition's key is the SHA-256 of its bytes: content-addressed, so it never changes
//!   and can be cached forever.
//! - [`render_until`] checks a stop flag between stages (decode, each resize, each encode), so a
//!   render the worker has given up on (over its time budget) stops using the CPU at the next
//!   stage instead of running to the end.

use std::io::Cursor;
use std::sync::atomic::{AtomicBool, Ordering};

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use shared::digest::sha256_hex;

use crate::jpeg;

/// Largest accepted side, pixels.
pub const MAX_SIDE: u32 = 12_000;
/// Largest accepted image, pixels (50 megapixels).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Most memory a decoder may take for one image: RGBA at the pixel limit, plus room for the
/// decoder's own buffers.
pub const MAX_DECODE_BYTES: u64 = MAX_PIXELS * 4 + 64 * 1024 * 1024;
/// Longest-side sizes of the renditions, smallest first.
pub const SIZES: [u32; 3] = [320, 960, 1920];
/// The renditions' JPEG encoding for a rendition size: mozjpeg's defaults (trellis
/// quantisation, optimised progressive scans) at quality 76, with 4:2:0 chroma for the 1920 px
/// rendition, where it gives the fewest bytes at equal SSIMULACRA2 against sharp's curves in half
/// the time of 4:4:4, and 4:4:4 for the smaller ones, where subsampled chroma costs the most
/// score for the least time (chosen by measurement, docs/photos.md "Results (2026-11-30,
/// afternoon)").
pub fn jpeg_settings(size: u32) -> jpeg::EncodeSettings {
    jpeg::EncodeSettings {
        quality: 76.0,
        full_chroma: size < SIZES[SIZES.len() - 1],
    }
}
/// WebP quality (libwebp scale), with libwebp's sharp (iterative) RGB → YUV conversion, which
/// keeps chroma edges that the default conversion blurs (chosen by measurement, docs/photos.md
/// "Results (2026-11-30, mozjpeg)").
const WEBP_QUALITY: f32 = 75.0;
/// libwebp's effort (0 fastest – 6 slowest; its default is 4): method 3 gave the same bytes at
/// equal score as 4 in less time (docs/photos.md, "Results (2026-11-30, afternoon)").
const WEBP_METHOD: i32 = 3;

/// Image formats we accept, detected from their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
}

impl Format {
    /// Detects the format from magic numbers; `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Webp => ImageFormat::WebP,
        }
    }
}

/// Why an upload can never become a photo. Every variant is permanent: retrying cannot help.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("the upload is empty")]
    Empty,
    #[error("the upload is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is {width}×{height} px; at most {MAX_SIDE} px per side are accepted")]
    TooWide { width: u32, height: u32 },
    #[error("the image has {pixels} pixels; at most {MAX_PIXELS} are accepted")]
    TooManyPixels { pixels: u64 },
    #[error("decoding the image would need {bytes} bytes; at most {MAX_DECODE_BYTES} are allowed")]
    TooMuchMemory { bytes: u64 },
    #[error("the image could not be decoded: {0}")]
    Corrupt(String),
    #[error("the image could not be encoded: {0}")]
    Encoding(String),
    /// The caller raised the stop flag (the worker gave up on this render).
    #[error("rendering was stopped before it finished")]
    Stopped,
}

/// An encoding of a rendition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Webp,
    Jpeg,
}

impl Encoding {
    /// File extension and the name used in keys and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webp => "webp",
            Self::Jpeg => "jpeg",
        }
    }

    /// MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Webp => "image/webp",
            Self::Jpeg => "image/jpeg",
        }
    }
}

/// One encoded rendition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendition {
    /// The size it was made for (320, 960 or 1920); the image is smaller when the original is.
    pub size: u32,
    pub width: u32,
    pub height: u32,
    pub encoding: Encoding,
    /// `<sha256 of the bytes>.<ext>`: content-addressed.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Decodes `bytes` (any accepted format, any size within the limits) and produces every
/// rendition: each of [`SIZES`] (never upscaled) as WebP and JPEG.
pub fn render(bytes: &[u8]) -> Result<Vec<Rendition>, Rejected> {
    render_until(bytes, &AtomicBool::new(false))
}

/// [`render`], giving up with [`Rejected::Stopped`] at the first stage boundary after `stop`
/// is raised.
pub fn render_until(bytes: &[u8], stop: &AtomicBool) -> Result<Vec<Rendition>, Rejected> {
    render_observed(bytes, stop, |_| {})
}

/// A stage of a render that has just finished (see [`render_observed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The upload is decoded (header checks, limits and decoding).
    Decoded,
    /// The pixels are resized to this rendition size (orientation included for the first).
    Resized(u32),
    /// This rendition size is encoded in this encoding.
    Encoded(u32, Encoding),
}

/// [`render_until`], calling `finished` after each stage: the benchmark's stage profile
/// (`bench-photos profile`) times the shipped pipeline through it.
pub fn render_observed(
    bytes: &[u8],
    stop: &AtomicBool,
    mut finished: impl FnMut(Stage),
) -> Result<Vec<Rendition>, Rejected> {
    let go_on = || {
        if stop.load(Ordering::Relaxed) {
            Err(Rejected::Stopped)
        } else {
            Ok(())
        }
    };
    go_on()?;
    let (full, orientation) = decode_unoriented(bytes)?;
    finished(Stage::Decoded);
    // The largest rendition straight from the decoded pixels, then the full-size buffer is
    // dropped: EXIF orientation is applied to the 1920 px image (the longest side is the same
    // either way), so a rotated photo never needs a second full-size buffer.
    go_on()?;
    let largest = SIZES[SIZES.len() - 1];
    let mut current = oriented(fit_owned(full, largest)?, orientation);
    finished(Stage::Resized(largest));
    let mut out = Vec::with_capacity(SIZES.len() * 2);
    // Largest first, each smaller size resized from the one before (cheaper, same quality at
    // these ratios).
    for (i, &size) in SIZES.iter().rev().enumerate() {
        if i > 0 {
            go_on()?;
            current = fit(&current, size)?;
            finished(Stage::Resized(size));
        }
        for encoding in [Encoding::Webp, Encoding::Jpeg] {
            go_on()?;
            let bytes = encode(&current, size, encoding)?;
            finished(Stage::Encoded(size, encoding));
            let hex = sha256_hex(&bytes, 32);
            out.push(Rendition {
                size,
                width: current.width(),
                height: current.height(),
                encoding,
                name: format!("{hex}.{}", encoding.as_str()),
                bytes,
            });
        }
    }
    out.sort_by_key(|r| (r.size, r.encoding == Encoding::Jpeg));
    Ok(out)
}

/// Checks the header, then decodes with limits (a JPEG at the smallest DCT scale whose longest
/// side is still at least the largest rendition's), applies EXIF orientation and flattens to
/// RGB.
pub fn decode(bytes: &[u8]) -> Result<image::RgbImage, Rejected> {
    let (image, orientation) = decode_unoriented(bytes)?;
    Ok(oriented(image, orientation))
}

/// The pixels as stored (RGB, flattened) and the EXIF orientation still to apply to them.
fn decode_unoriented(bytes: &[u8]) -> Result<(image::RgbImage, Option<Orientation>), Rejected> {
    if bytes.is_empty() {
        return Err(Rejected::Empty);
    }
    let format = Format::sniff(bytes).ok_or(Rejected::NotAnImage)?;
    if format == Format::Jpeg && !jpeg_is_complete(bytes) {
        // The JPEG decoder fills a cut-off image with grey instead of failing.
        return Err(Rejected::Corrupt(
            "the JPEG is truncated (no end-of-image marker after its last scan)".to_owned(),
        ));
    }
    if format == Format::Jpeg {
        // mozjpeg at the smallest DCT scale that still covers the largest rendition; CMYK and
        // YCCK files fall through to the `image` crate's decoder.
        if let Some(decoded) = jpeg::decode(bytes, SIZES[SIZES.len() - 1])? {
            return Ok((decoded.image, decoded.orientation));
        }
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    // Sides and pixel count are checked below from the header (with a clear reason); the
    // allocation limit is the decoder's own backstop.
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| classify(e, None))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    let orientation = decoder.orientation().ok();
    let image =
        DynamicImage::from_decoder(decoder).map_err(|e| classify(e, Some((width, height))))?;
    Ok((flatten(image), orientation))
}

/// The limits every image meets before a pixel is decoded: at most [`MAX_SIDE`] px a side,
/// [`MAX_PIXELS`] pixels, and at least one.
pub(crate) fn check_dimensions(width: u32, height: u32) -> Result<(), Rejected> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Rejected::TooWide { width, height });
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(Rejected::TooManyPixels { pixels });
    }
    if pixels == 0 {
        return Err(Rejected::Corrupt("the image has no pixels".to_owned()));
    }
    Ok(())
}

/// `image` turned as its EXIF orientation says.
fn oriented(image: image::RgbImage, orientation: Option<Orientation>) -> image::RgbImage {
    match orientation {
        None | Some(Orientation::NoTransforms) => image,
        Some(orientation) => {
            let mut image = DynamicImage::ImageRgb8(image);
            image.apply_orientation(orientation);
            image.into_rgb8()
        }
    }
}

/// Whether an end-of-image marker follows the last start-of-scan marker. Entropy-coded data
/// escapes `0xFF` bytes, so both markers only occur as markers (an embedded EXIF thumbnail has
/// its own pair, but it comes before the main image's scans).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let Some(last_scan) = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]) else {
        return false;
    };
    bytes[last_scan..].windows(2).any(|w| w == [0xFF, 0xD9])
}

fn classify(error: image::ImageError, size: Option<(u32, u32)>) -> Rejected {
    match (&error, size) {
        (image::ImageError::Limits(_), Some((width, height))) => Rejected::TooManyPixels {
            pixels: u64::from(width) * u64::from(height),
        },
        _ => Rejected::Corrupt(error.to_string()),
    }
}

/// RGB pixels; transparent areas are composited onto white (renditions have no alpha).
fn flatten(image: DynamicImage) -> image::RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut rgb = image::RgbImage::new(w, h);
    for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(src[3]);
        for c in 0..3 {
            let v = (u16::from(src[c]) * a + 255 * (255 - a)) / 255;
            dst[c] = v as u8;
        }
    }
    rgb
}

/// The image scaled so its longest side is `size` (or unchanged when already that small).
pub fn fit(image: &image::RgbImage, size: u32) -> Result<image::RgbImage, Rejected> {
    if image.width().max(image.height()) <= size {
        return Ok(image.clone());
    }
    resized(image, size)
}

/// [`fit`], handing back `image` itself (no copy) when it is already that small, as a photo
/// decoded at a DCT scale to exactly the largest rendition's size is.
fn fit_owned(image: image::RgbImage, size: u32) -> Result<image::RgbImage, Rejected> {
    if image.width().max(image.height()) <= size {
        return Ok(image);
    }
    resized(&image, size)
}

fn resized(image: &image::RgbImage, size: u32) -> Result<image::RgbImage, Rejected> {
    let (w, h) = image.dimensions();
    let long = w.max(h);
    let scale = f64::from(size) / f64::from(long);
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    // Read in place (no copy of the source, which may be 50 megapixels).
    let mut dst = image::RgbImage::new(nw, nh);
    Resizer::new()
        .resize(
            image,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        )
        .map_err(|e| Rejected::Encoding(e.to_string()))?;
    Ok(dst)
}

/// `image`, the rendition of `size`, encoded.
fn encode(image: &image::RgbImage, size: u32, encoding: Encoding) -> Result<Vec<u8>, Rejected> {
    let (w, h) = image.dimensions();
    match encoding {
        Encoding::Webp => {
            let mut config = webp::WebPConfig::new()
                .map_err(|()| Rejected::Encoding("libwebp's configuration".to_owned()))?;
            config.quality = WEBP_QUALITY;
            config.method = WEBP_METHOD;
            config.use_sharp_yuv = 1;
            webp::Encoder::from_rgb(image.as_raw(), w, h)
                .encode_advanced(&config)
                .map(|out| out.to_vec())
                .map_err(|e| Rejected::Encoding(format!("libwebp: {e:?}")))
        }
        Encoding::Jpeg => jpeg::encode(image, jpeg_settings(size)),
    }
}
