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
