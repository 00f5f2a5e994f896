//! SSIMULACRA2 scores of renditions against one neutral reference per size.
//!
//! The reference for a rendition of `w × h` px is made from the original file alone, the same
//! way for both tools: decoded in full by the `image` crate, EXIF orientation applied, turned
//! into 32-bit float sRGB values, and scaled in one step straight to `w × h` with a Lanczos3
//! kernel (`fast_image_resize`, the filter both tools use, in the sRGB space both resize in),
//! clamped to [0, 1] and never rounded to 8 bits. Neither tool's own pipeline (our chained
//! 1920 → 960 → 320, sharp's shrink-on-load) is in it.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, anyhow};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader};
use ssimulacra2::{ColorPrimaries, LinearRgb, Rgb, TransferCharacteristic};

/// The original, decoded once, and its references by size.
pub struct Scorer {
    original: DynamicImage,
    references: HashMap<(u32, u32), LinearRgb>,
}

impl Scorer {
    /// Decodes `file` in full (orientation applied) as float RGB.
    pub fn open(file: &Path) -> anyhow::Result<Self> {
        let mut decoder = ImageReader::open(file)?
            .with_guessed_format()?
            .into_decoder()
            .with_context(|| format!("decoding {}", file.display()))?;
        let orientation = decoder.orientation().ok();
        let mut image = DynamicImage::from_decoder(decoder)?;
        if let Some(o) = orientation {
            image.apply_orientation(o);
        }
        Ok(Self {
            original: DynamicImage::ImageRgb32F(image.to_rgb32f()),
            references: HashMap::new(),
        })
    }

    /// The reference of `w × h` px, made on first use.
    fn reference(&mut self, w: u32, h: u32) -> anyhow::Result<&LinearRgb> {
        if !self.references.contains_key(&(w, h)) {
            let mut dst = DynamicImage::new(w, h, image::ColorType::Rgb32F);
            Resizer::new().resize(
                &self.original,
                &mut dst,
                &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
            )?;
            let linear = linear(&dst)?;
            self.references.insert((w, h), linear);
        }
        self.references
            .get(&(w, h))
            .context("reference just inserted")
    }

    /// The SSIMULACRA2 score (100 = identical; about 90 is visually lossless at normal
    /// viewing, 70 high quality, 50 medium) of an encoded rendition.
    pub fn score(&mut self, encoded: &[u8]) -> anyhow::Result<f64> {
        let distorted = image::load_from_memory(encoded)?;
        let reference = self
            .reference(distorted.width(), distorted.height())?
            .clone();
        ssimulacra2::compute_frame_ssimulacra2(reference, linear(&distorted)?)
            .map_err(|e| anyhow!("ssimulacra2: {e:?}"))
    }
}

/// Float sRGB pixels (clamped to [0, 1]) as linear light.
fn linear(image: &DynamicImage) -> anyhow::Result<LinearRgb> {
    let rgb = image.to_rgb32f();
    let (w, h) = rgb.dimensions();
    let data = rgb
        .pixels()
        .map(|p| p.0.map(|c| c.clamp(0.0, 1.0)))
        .collect::<Vec<_>>();
    let srgb = Rgb::new(
        data,
        w as usize,
        h as usize,
        TransferCharacteristic::SRGB,
        ColorPrimaries::BT709,
    )
    .map_err(|e| anyhow!("{e:?}"))?;
    LinearRgb::try_from(srgb).map_err(|e| anyhow!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> image::RgbImage {
        image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                ((x + y) % 256) as u8,
            ])
        })
    }

    fn jpeg(image: &image::RgbImage, quality: u8) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(image)
            .unwrap();
        out
    }

    #[test]
    fn identical_pixels_score_100_and_worse_encodings_score_lower() {
        let dir = tempfile::tempdir().unwrap();
        let original = gradient(64, 48);
        let png = dir.path().join("o.png");
        original.save(&png).unwrap();
        let mut scorer = Scorer::open(&png).unwrap();
        // Same size: the reference is the original itself, so its lossless copy scores 100.
        let mut lossless = Vec::new();
        DynamicImage::ImageRgb8(original.clone())
            .write_to(
                &mut std::io::Cursor::new(&mut lossless),
                image::ImageFormat::Png,
            )
            .unwrap();
        let perfect = scorer.score(&lossless).unwrap();
        assert!((perfect - 100.0).abs() < 1e-6, "{perfect}");
        let good = scorer.score(&jpeg(&original, 95)).unwrap();
        let bad = scorer.score(&jpeg(&original, 20)).unwrap();
        assert!(perfect > good && good > bad, "{perfect} {good} {bad}");
    }
}
