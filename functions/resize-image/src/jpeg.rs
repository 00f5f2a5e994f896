//! JPEG through mozjpeg's C library (the `mozjpeg` crate): decoding at a DCT scale, and the
//! renditions' encoder (trellis quantisation, optimised progressive scans).
//!
//! libjpeg reports a fatal error by calling its `error_exit` hook, which the `mozjpeg` crate
//! turns into an unwind (`resume_unwind` with the library's message). Every call into the
//! library here runs inside [`catch_unwind`], so a corrupt file comes back as
//! [`Rejected::Corrupt`] ("could not be decoded"), never as a crashed render. This needs
//! unwinding, which the worker's build has (`Cargo.toml`, `main.rs`).
//!
//! Before a pixel is decoded, the header's dimensions go through the same limits as every
//! other format ([`check_dimensions`]), and the memory libjpeg will need for a progressive or
//! multi-scan file (a coefficient buffer for the whole image, whatever the output scale) is
//! estimated and refused above [`MAX_DECODE_BYTES`].

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::metadata::Orientation;
use mozjpeg::{ColorSpace, Compress, Decompress, Marker};

use crate::render::{MAX_DECODE_BYTES, Rejected, check_dimensions};

/// DCT scales the decoder may use, as numerators over 8 (libjpeg's `scale_num / scale_denom`),
/// smallest first: every n/8 up to full size. libjpeg-turbo computes each with a scaled inverse
/// DCT (an n × n output block from each 8 × 8 block), so 5/8 of a 3640 px photo (2275 px) takes
/// less memory and resizing than the full 3640 px (decoding takes as long: entropy decoding
/// dominates), where 1/2 (1820 px) would be too small.
const SCALES: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

/// Pixels decoded from a JPEG, at the scale chosen, and the EXIF orientation still to apply.
pub struct Decoded {
    pub image: image::RgbImage,
    pub orientation: Option<Orientation>,
    /// The numerator over 8 the image was decoded at (8 = full size).
    pub scale: u8,
}

/// The numerator over 8 of the smallest DCT scale at which an image whose longest side is
/// `long` px still has a longest side of at least `needed` px (or its own size, when it is
/// smaller than `needed`). libjpeg rounds scaled sides up.
pub fn scale_for(long: u32, needed: u32) -> u8 {
    if long <= needed {
        return 8;
    }
    SCALES
        .into_iter()
        .find(|&num| (u64::from(long) * u64::from(num)).div_ceil(8) >= u64::from(needed))
        .unwrap_or(8)
}

/// Decodes `bytes` (already known to be a complete JPEG) at the smallest DCT scale whose
/// longest side is still at least `needed` px. `Ok(None)` for a colour space this path does
/// not convert (CMYK, YCCK): the caller decodes those another way.
pub fn decode(bytes: &[u8], needed: u32) -> Result<Option<Decoded>, Rejected> {
    guarded(|| decode_inner(bytes, needed))
}

fn decode_inner(bytes: &[u8], needed: u32) -> Result<Option<Decoded>, Rejected> {
    let mut decoder = Decompress::with_markers(&[Marker::APP(1)])
        .from_mem(bytes)
        .map_err(|e| Rejected::Corrupt(e.to_string()))?;
    let (width, height) = decoder.size();
    let (width, height) = (
        u32::try_from(width).unwrap_or(u32::MAX),
        u32::try_from(height).unwrap_or(u32::MAX),
    );
    check_dimensions(width, height)?;
    if matches!(
        decoder.color_space(),
        ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK
    ) {
        return Ok(None);
    }
    if buffers_whole_image(bytes) {
        // Progressive and multi-scan files keep every DCT coefficient (2 bytes each) until
        // the last scan, at any output scale.
        let coefficients: u64 = decoder
            .components()
            .iter()
            .map(|c| u64::from(c.width_in_blocks) * u64::from(c.height_in_blocks) * 128)
            .sum();
        if coefficients > MAX_DECODE_BYTES {
            return Err(Rejected::TooMuchMemory {
                bytes: coefficients,
            });
        }
    }
    let orientation = decoder
        .markers()
        .find_map(|m| m.data.strip_prefix(b"Exif\0\0"))
        .and_then(Orientation::from_exif_chunk);
    let scale = scale_for(width.max(height), needed);
    decoder.scale(scale);
    let mut started = decoder
        .rgb()
        .map_err(|e| Rejected::Corrupt(e.to_string()))?;
    let (w, h) = (started.width(), started.height());
    let mut pixels = Vec::new();
    pixels
        .try_reserve_exact(w * h * 3)
        .map_err(|_| Rejected::TooMuchMemory {
            bytes: (w * h * 3) as u64,
        })?;
    pixels.resize(w * h * 3, 0);
    started
        .read_scanlines_into(&mut pixels)
        .map_err(|e| Rejected::Corrupt(e.to_string()))?;
    started
        .finish()
        .map_err(|e| Rejected::Corrupt(e.to_string()))?;
    let image = image::RgbImage::from_raw(
        u32::try_from(w).unwrap_or(u32::MAX),
        u32::try_from(h).unwrap_or(u32::MAX),
        pixels,
    )
    .ok_or_else(|| Rejected::Corrupt("the decoder's output has the wrong size".to_owned()))?;
    Ok(Some(Decoded {
        image,
        orientation,
        scale,
    }))
}

/// JPEG encoder settings: mozjpeg's defaults (trellis quantisation, progressive with
/// optimised scans, optimised Huffman tables, its default quantisation tables), with the
/// chroma sampling and quality chosen by the benchmark (docs/photos.md, "Results").
#[derive(Clone, Copy, Debug)]
pub struct EncodeSettings {
    pub quality: f32,
    /// 4:4:4 (no chroma subsampling) rather than mozjpeg's default 4:2:0.
    pub full_chroma: bool,
}

/// Encodes RGB pixels as a JPEG with `settings`; nothing but the pixels goes in (no EXIF, no
/// ICC, no comment; the JFIF header only).
pub fn encode(image: &image::RgbImage, settings: EncodeSettings) -> Result<Vec<u8>, Rejected> {
    let (w, h) = image.dimensions();
    guarded(|| {
        let mut compress = Compress::new(ColorSpace::JCS_RGB);
        compress.set_size(w as usize, h as usize);
        compress.set_quality(settings.quality);
        if settings.full_chroma {
            compress.set_chroma_sampling_pixel_sizes((1, 1), (1, 1));
        }
        let mut started = compress
            .start_compress(Vec::with_capacity(image.as_raw().len() / 8))
            .map_err(|e| Rejected::Encoding(e.to_string()))?;
        started
            .write_scanlines(image.as_raw())
            .map_err(|e| Rejected::Encoding(e.to_string()))?;
        started
            .finish()
            .map_err(|e| Rejected::Encoding(e.to_string()))
    })
    .map_err(|e| match e {
        Rejected::Corrupt(message) => Rejected::Encoding(message),
        other => other,
    })
}

/// Runs `f`, turning a libjpeg fatal error (an unwind out of the library) into
/// [`Rejected::Corrupt`] with the library's message.
fn guarded<T>(f: impl FnOnce() -> Result<T, Rejected>) -> Result<T, Rejected> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("libjpeg failed");
        Err(Rejected::Corrupt(message.to_owned()))
    })
}

/// Whether libjpeg will buffer the whole image's coefficients: the frame is progressive, or
/// the main image has more than one scan. Walks the marker segments (skipping APPn, so an EXIF
/// thumbnail's own markers are not counted) to the main frame header, then counts the
/// start-of-scan markers after it (entropy-coded data escapes `0xFF`, so they only occur as
/// markers). Unparseable structure counts as buffered, the conservative answer.
fn buffers_whole_image(bytes: &[u8]) -> bool {
    let mut at = 2; // after SOI
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return true;
        };
        match marker {
            // Standalone markers: no length.
            0x01 | 0xD0..=0xD7 => at += 2,
            // Start of frame (not DHT 0xC4, JPG 0xC8, DAC 0xCC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
                let scans = bytes[at..]
                    .windows(2)
                    .filter(|w| w == &[0xFF, 0xDA])
                    .count();
                return progressive || scans > 1;
            }
            _ => {
                let (Some(&hi), Some(&lo)) = (bytes.get(at + 2), bytes.get(at + 3)) else {
                    return true;
                };
                at += 2 + usize::from(u16::from_be_bytes([hi, lo]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_the_smallest_that_keeps_the_largest_rendition() {
        // A 50 MP photo: 8935 px → 1/4 gives 2234 px (1/8 would give 1117 < 1920).
        assert_eq!(scale_for(8935, 1920), 2);
        // 3/8 would give 3351 px, but 2/8 already covers 1920.
        assert_eq!(scale_for(7700, 1920), 2);
        // Exactly twice the rendition: 1/2 gives exactly 1920.
        assert_eq!(scale_for(3840, 1920), 4);
        // Just under twice: 1/2 would give 1820 < 1920, so 5/8 (2275 px).
        assert_eq!(scale_for(3640, 1920), 5);
        // Between the powers of two, each n/8: 3/8 of 5120 is exactly 1920, and with libjpeg's
        // rounding up 3/8 still covers it down to 5118 (1919.25 → 1920); 6/8 and 7/8 likewise.
        assert_eq!(scale_for(5120, 1920), 3);
        assert_eq!(scale_for(5118, 1920), 3);
        assert_eq!(scale_for(5117, 1920), 4);
        assert_eq!(scale_for(2560, 1920), 6);
        assert_eq!(scale_for(2558, 1920), 7);
        // Just over the rendition: 7/8 would give 1921 * 7 / 8 = 1681 < 1920, so full size.
        assert_eq!(scale_for(1921, 1920), 8);
        // Exactly the rendition's size, and smaller: never scaled below the original.
        assert_eq!(scale_for(1920, 1920), 8);
        assert_eq!(scale_for(1000, 1920), 8);
        assert_eq!(scale_for(1, 1920), 8);
        // Eight times: 1/8. libjpeg rounds up (15353 / 8 = 1919.125 → 1920), so 1/8 still
        // covers 1920 px down to 15353; at 15352 (exactly 1919) it takes 1/4.
        assert_eq!(scale_for(15_360, 1920), 1);
        assert_eq!(scale_for(15_353, 1920), 1);
        assert_eq!(scale_for(15_352, 1920), 2);
    }

    #[test]
    fn baseline_and_progressive_frames_are_told_apart() {
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut baseline = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut baseline)
            .encode_image(&img)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!buffers_whole_image(&baseline));
        let progressive = encode(
            &img,
            EncodeSettings {
                quality: 80.0,
                full_chroma: false,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(buffers_whole_image(&progressive));
        assert!(buffers_whole_image(&[0xFF, 0xD8, 0xFF]));
    }
}
