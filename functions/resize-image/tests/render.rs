//! Hostile and ordinary inputs for the renderer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use resize_image::render::{Encoding, MAX_PIXELS, Rejected, render};

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, _| {
        image::Rgba([200, 10, 10, (x % 256) as u8])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A real PNG whose header claims `width`×`height` (its data is a few bytes): a bomb.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(8, 8);
    // IHDR data starts at 16 (8 signature + 4 length + 4 type); CRC covers type + data.
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

/// An APP1 EXIF segment: orientation `orientation` and a GPS position.
fn exif_segment(orientation: u16) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes()); // IFD0 at 8
    // IFD0: 2 entries
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(0x0112u16.to_le_bytes()); // Orientation
    tiff.extend(3u16.to_le_bytes()); // SHORT
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(u32::from(orientation).to_le_bytes());
    tiff.extend(0x8825u16.to_le_bytes()); // GPS IFD pointer
    tiff.extend(4u16.to_le_bytes()); // LONG
    tiff.extend(1u32.to_le_bytes());
    let gps_at = 8 + 2 + 2 * 12 + 4;
    tiff.extend((gps_at as u32).to_le_bytes());
    tiff.extend(0u32.to_le_bytes()); // no next IFD
    // GPS IFD: latitude ref 'N' and a marker string.
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(0x0001u16.to_le_bytes()); // GPSLatitudeRef
    tiff.extend(2u16.to_le_bytes()); // ASCII
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(*b"N\0\0\0");
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(b"SECRET-GPS-59.9139N-10.7522E");
    let mut segment = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    segment.extend(len.to_be_bytes());
    segment.extend(b"Exif\0\0");
    segment.extend(tiff);
    segment
}

fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend(exif_segment(orientation));
    out.extend(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn makes_six_renditions_and_never_upscales() {
    let out = render(&jpeg(2400, 1200)).unwrap();
    let shape: Vec<(u32, u32, u32, Encoding)> = out
        .iter()
        .map(|r| (r.size, r.width, r.height, r.encoding))
        .collect();
    assert_eq!(
        shape,
        vec![
            (320, 320, 160, Encoding::Webp),
            (320, 320, 160, Encoding::Jpeg),
            (960, 960, 480, Encoding::Webp),
            (960, 960, 480, Encoding::Jpeg),
            (1920, 1920, 960, Encoding::Webp),
            (1920, 1920, 960, Encoding::Jpeg),
        ]
    );
    for r in &out {
        let decoded = image::load_from_memory(&r.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (r.width, r.height));
        assert!(
            r.name.ends_with(r.encoding.as_str())
                && r.name.len() == 64 + 1 + r.encoding.as_str().len()
        );
    }
    // A small original keeps its size for the larger renditions.
    let small = render(&jpeg(500, 400)).unwrap();
    assert!(
        small
            .iter()
            .filter(|r| r.size > 320)
            .all(|r| (r.width, r.height) == (500, 400))
    );
}

#[test]
fn applies_orientation_and_strips_every_piece_of_metadata() {
    let original = with_exif(&jpeg(800, 400), 6); // rotate 90° clockwise to display
    assert!(contains(&original, b"SECRET-GPS"));
    let out = render(&original).unwrap();
    for r in &out {
        assert!(!contains(&r.bytes, b"SECRET-GPS"), "{} leaks GPS", r.name);
        assert!(!contains(&r.bytes, b"Exif"), "{} carries EXIF", r.name);
        assert!(
            r.height > r.width,
            "{} was not rotated: {}x{}",
            r.name,
            r.width,
            r.height
        );
    }
}

#[test]
fn hostile_inputs_are_permanent_rejections() {
    let good = jpeg(640, 480);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("zero bytes", vec![]),
        (
            "text declared as JPEG",
            b"hello, this is not a picture\n".to_vec(),
        ),
        (
            "a PDF named photo.jpg",
            b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n".to_vec(),
        ),
        ("truncated JPEG", good[..good.len() / 3].to_vec()),
        ("JPEG header only", good[..20].to_vec()),
        (
            "PNG claiming 100000 x 100000",
            png_claiming(100_000, 100_000),
        ),
        ("PNG claiming 8000 x 8000", png_claiming(8_000, 8_000)),
        ("PNG claiming 20000 x 10", png_claiming(20_000, 10)),
        ("truncated PNG", png(64, 64)[..60].to_vec()),
        (
            "RIFF but not WebP data",
            b"RIFF\x10\0\0\0WEBPVP8 garbage!".to_vec(),
        ),
    ];
    for (name, bytes) in cases {
        let started = std::time::Instant::now();
        let result = render(&bytes);
        assert!(result.is_err(), "{name} was accepted");
        assert!(
            started.elapsed().as_secs() < 5,
            "{name} took {:?}",
            started.elapsed()
        );
        eprintln!("{name}: {}", result.unwrap_err());
    }
    assert_eq!(render(&[]), Err(Rejected::Empty));
    assert_eq!(render(b"plain text"), Err(Rejected::NotAnImage));
    assert_eq!(
        render(&png_claiming(8_000, 8_000)),
        Err(Rejected::TooManyPixels { pixels: 64_000_000 })
    );
    const { assert!(64_000_000 > MAX_PIXELS) };
    // The next good photo still works.
    assert_eq!(render(&good).unwrap().len(), 6);
}

#[test]
fn transparent_png_and_webp_inputs_work() {
    let out = render(&png(300, 200)).unwrap();
    assert_eq!(out.len(), 6);
    let webp = out.iter().find(|r| r.encoding == Encoding::Webp).unwrap();
    assert_eq!(render(&webp.bytes).unwrap().len(), 6);
}

#[test]
fn a_raised_stop_flag_stops_the_render() {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 1]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&img)
        .unwrap();
    let stop = std::sync::atomic::AtomicBool::new(true);
    assert_eq!(
        resize_image::render::render_until(&jpeg, &stop),
        Err(Rejected::Stopped)
    );
    stop.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        resize_image::render::render_until(&jpeg, &stop)
            .unwrap()
            .len(),
        6
    );
}

/// The byte offset of the first marker `FF <marker>` after `from`.
fn marker_at(bytes: &[u8], marker: u8, from: usize) -> usize {
    from + bytes[from..]
        .windows(2)
        .position(|w| w == [0xFF, marker])
        .unwrap()
}

/// `bytes` without the marker segment that starts at `at`.
fn without_segment(bytes: &[u8], at: usize) -> Vec<u8> {
    let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
    [&bytes[..at], &bytes[at + 2 + len..]].concat()
}

#[test]
fn jpegs_are_decoded_at_the_smallest_dct_scale_that_covers_1920_px() {
    // (width, height) → (scale numerator over 8, decoded size).
    let cases = [
        // Twice the largest rendition: 1/2, exactly 1920 px.
        ((3840, 400), (4, (1920, 200))),
        // Four times and a bit: 1/4 (1/8 would be 963 px).
        ((7700, 300), (2, (1925, 75))),
        // Just under twice: 5/8 (1/2 would be 1900 px); 3800 × 5 / 8 = 2375.
        ((3800, 400), (5, (2375, 250))),
        // Three eighths exactly: 5120 × 3 / 8 = 1920.
        ((5120, 320), (3, (1920, 120))),
        // Six and seven eighths (libjpeg rounds sides up: 3 × 6 / 8 → 3).
        ((2600, 4), (6, (1950, 3))),
        ((2400, 240), (7, (2100, 210))),
        // Just over 1920 px: no n/8 below 8/8 covers it, full size.
        ((2000, 100), (8, (2000, 100))),
        // Exactly 1920 px, and smaller: full size, never below the original.
        ((1920, 1080), (8, (1920, 1080))),
        ((1000, 800), (8, (1000, 800))),
    ];
    for ((w, h), (scale, size)) in cases {
        let decoded = resize_image::jpeg::decode(&jpeg(w, h), 1920)
            .unwrap()
            .expect("an RGB JPEG takes the mozjpeg path");
        assert_eq!(
            (decoded.scale, decoded.image.dimensions()),
            (scale, size),
            "{w}×{h}"
        );
    }
    // The renditions of a scaled decode have the sizes of a full one.
    let out = render(&jpeg(3840, 400)).unwrap();
    let sizes: Vec<_> = out.iter().map(|r| (r.size, r.width, r.height)).collect();
    assert_eq!(
        sizes,
        [
            (320, 320, 33),
            (320, 320, 33),
            (960, 960, 100),
            (960, 960, 100),
            (1920, 1920, 200),
            (1920, 1920, 200)
        ]
    );
}

#[test]
fn a_corrupt_jpeg_is_an_ordinary_decode_failure_not_a_crash() {
    let good = jpeg(640, 480);
    // No quantisation table: libjpeg fails when decoding starts.
    let no_tables = without_segment(&good, marker_at(&good, 0xDB, 2));
    // A Huffman table whose code counts exceed its length: libjpeg fails reading the header.
    let mut bad_huffman = good.clone();
    let dht = marker_at(&good, 0xC4, 2);
    bad_huffman[dht + 5..dht + 21].fill(0xFF);
    // A frame header with five components.
    let mut bad_frame = good.clone();
    let sof = marker_at(&good, 0xC0, 2);
    bad_frame[sof + 9] = 5;
    for (name, bytes) in [
        ("no quantisation table", no_tables),
        ("bad Huffman table", bad_huffman),
        ("bad frame header", bad_frame),
    ] {
        match render(&bytes) {
            Err(Rejected::Corrupt(reason)) => eprintln!("{name}: {reason}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    // A truncated JPEG is still refused before the decoder sees it.
    assert_eq!(
        render(&good[..good.len() - 100]),
        Err(Rejected::Corrupt(
            "the JPEG is truncated (no end-of-image marker after its last scan)".to_owned()
        ))
    );
    assert_eq!(render(&good).unwrap().len(), 6);
}

#[test]
fn a_progressive_jpeg_too_big_to_buffer_is_refused_before_decoding() {
    // A real progressive 4:4:4 JPEG whose frame header claims 7000 × 7000 px (49 MP, within
    // the pixel limit): libjpeg would buffer 294 MB of coefficients.
    let img = image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8, y as u8, 9]));
    let mut progressive = resize_image::jpeg::encode(
        &img,
        resize_image::jpeg::EncodeSettings {
            quality: 80.0,
            full_chroma: true,
        },
    )
    .unwrap();
    let sof = marker_at(&progressive, 0xC2, 2);
    progressive[sof + 5..sof + 7].copy_from_slice(&7000u16.to_be_bytes());
    progressive[sof + 7..sof + 9].copy_from_slice(&7000u16.to_be_bytes());
    let started = std::time::Instant::now();
    assert_eq!(
        render(&progressive),
        Err(Rejected::TooMuchMemory {
            bytes: 875 * 875 * 128 * 3
        })
    );
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn a_cmyk_jpeg_still_decodes() {
    let (w, h) = (120, 80);
    let cmyk: Vec<u8> = (0..w * h)
        .flat_map(|i| [(i % 256) as u8, 40, 200, 10])
        .collect();
    let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_CMYK);
    c.set_size(w, h);
    let mut started = c.start_compress(Vec::new()).unwrap();
    started.write_scanlines(&cmyk).unwrap();
    let bytes = started.finish().unwrap();
    let out = render(&bytes).unwrap();
    assert_eq!(out.len(), 6);
    assert!(out.iter().all(|r| (r.width, r.height) == (120, 80)));
}

#[test]
fn the_1920_px_jpeg_subsamples_chroma_and_the_smaller_ones_keep_it_whole() {
    let out = render(&jpeg(3840, 2400)).unwrap();
    let sampling: Vec<_> = out
        .iter()
        .filter(|r| r.encoding == Encoding::Jpeg)
        .map(|r| {
            // The progressive frame header (SOF2): after length, precision, height, width and
            // the component count come (id, sampling factors, table) per component; the luma
            // factors are 0x22 for 4:2:0 and 0x11 for 4:4:4, chroma always 0x11.
            let sof = marker_at(&r.bytes, 0xC2, 2);
            let factors: Vec<u8> = (0..3).map(|c| r.bytes[sof + 11 + 3 * c]).collect();
            (r.size, factors)
        })
        .collect();
    assert_eq!(
        sampling,
        [
            (320, vec![0x11, 0x11, 0x11]),
            (960, vec![0x11, 0x11, 0x11]),
            (1920, vec![0x22, 0x11, 0x11]),
        ]
    );
}
