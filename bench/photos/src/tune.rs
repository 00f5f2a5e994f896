//! `bench-photos tune <work dir> <photo>…`: encoder settings chosen by measurement. Renders the
//! photos' 1920/960/320 px pixels with resize-image's own decode and resize, encodes them with
//! each candidate setting at several qualities, scores every file against the benchmark's
//! reference and prints, per candidate and quality, the summed bytes against sharp's at equal
//! SSIMULACRA2 (on the sweep a previous `run` left in `<work dir>/rd`) and the encode time.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, anyhow};

use crate::rd;
use crate::run::sharp_curves;
use crate::score::Scorer;

/// A JPEG or WebP encoder setting to measure.
#[derive(Clone, Debug)]
enum Candidate {
    /// The `image` crate's encoder (4:2:2, standard tables, baseline).
    ImageCrate,
    /// `jpeg-encoder`: chroma sampling, quantisation tables, progressive; Huffman tables
    /// always optimised.
    JpegEncoder {
        sampling: jpeg_encoder::SamplingFactor,
        tables: jpeg_encoder::QuantizationTableType,
        progressive: bool,
    },
    /// mozjpeg (trellis quantisation, progressive with optimised scans unless `fast_scans`):
    /// 4:4:4 or its default 4:2:0, its default tables (`None`) or one of its table sets.
    Mozjpeg {
        full_chroma: bool,
        tables: Option<&'static str>,
        fast_scans: bool,
        /// libjpeg-turbo's settings instead (`set_fastest_defaults`: no trellis quantisation),
        /// then optimised Huffman tables, progressive unless `baseline`.
        no_trellis: bool,
        /// With `no_trellis`: one sequential scan (what sharp writes by default).
        baseline: bool,
        /// With `no_trellis`: mozjpeg's scan optimisation all the same (trial encodings of
        /// progressive scan scripts, the cheapest kept).
        optimise_scans: bool,
        /// Trellis quantisation that considers the progressive scans (mozjpeg's
        /// `use_scans_in_trellis`).
        scans_in_trellis: bool,
    },
    /// `mozjpeg-rs` (a Rust port of mozjpeg's encoder): 4:4:4 or 4:2:0, progressive or
    /// baseline, trellis on AC (and DC) coefficients with its search limited to `level`
    /// (`TrellisSpeedMode::Level`, 0 = full search, 10 = fastest; `None` = mozjpeg's adaptive
    /// limits), or no trellis at all.
    MozjpegRs {
        full_chroma: bool,
        progressive: bool,
        trellis: bool,
        dc_trellis: bool,
        level: Option<u8>,
    },
    /// libwebp through the `webp` crate.
    Webp {
        method: i32,
        sns: i32,
        sharp_yuv: bool,
        /// `filter_strength` (libwebp's default 60), or autofilter when `None`.
        filter: Option<i32>,
        preprocessing: i32,
        segments: i32,
    },
}

/// mozjpeg's table sets by name (luma, chroma).
fn moz_tables(
    name: &str,
) -> anyhow::Result<(
    &'static mozjpeg::qtable::QTable,
    &'static mozjpeg::qtable::QTable,
)> {
    use mozjpeg::qtable as q;
    Ok(match name {
        "annex-k" => (&q::AnnexK_Luma, &q::AnnexK_Chroma),
        "ms-ssim" => (&q::MSSSIM_Luma, &q::MSSSIM_Chroma),
        "psnr-hvs" => (&q::PSNRHVS_Luma, &q::PSNRHVS_Chroma),
        "robidoux" => (&q::NRobidoux, &q::NRobidoux),
        "flat" => (&q::Flat, &q::Flat),
        other => anyhow::bail!("no table set {other}"),
    })
}

impl Candidate {
    fn format(&self) -> &'static str {
        match self {
            Self::Webp { .. } => "webp",
            _ => "jpeg",
        }
    }

    fn encode(&self, image: &image::RgbImage, quality: u8) -> anyhow::Result<Vec<u8>> {
        let (w, h) = image.dimensions();
        match self {
            Self::ImageCrate => {
                let mut out = Vec::new();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                    .encode_image(image)?;
                Ok(out)
            }
            Self::JpegEncoder {
                sampling,
                tables,
                progressive,
            } => {
                let mut out = Vec::new();
                let mut e = jpeg_encoder::Encoder::new(&mut out, quality);
                e.set_sampling_factor(*sampling);
                e.set_quantization_tables(tables.clone(), tables.clone());
                e.set_progressive(*progressive);
                e.set_optimized_huffman_tables(true);
                e.encode(
                    image.as_raw(),
                    u16::try_from(w)?,
                    u16::try_from(h)?,
                    jpeg_encoder::ColorType::Rgb,
                )?;
                Ok(out)
            }
            Self::Mozjpeg {
                full_chroma,
                tables,
                fast_scans,
                no_trellis,
                baseline,
                optimise_scans,
                scans_in_trellis,
            } => {
                let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
                if *no_trellis {
                    c.set_fastest_defaults();
                    if *optimise_scans {
                        // Before the scan script is made, which reads it.
                        c.set_optimize_scans(true);
                    }
                    if !*baseline {
                        c.set_progressive_mode();
                    }
                    c.set_optimize_coding(true);
                }
                if *scans_in_trellis {
                    c.set_use_scans_in_trellis(true);
                }
                c.set_size(w as usize, h as usize);
                c.set_quality(f32::from(quality));
                if let Some(name) = tables {
                    let (luma, chroma) = moz_tables(name)?;
                    let q = f32::from(quality);
                    c.set_luma_qtable(&luma.scaled(q, q));
                    c.set_chroma_qtable(&chroma.scaled(q, q));
                }
                if *full_chroma {
                    c.set_chroma_sampling_pixel_sizes((1, 1), (1, 1));
                }
                if *fast_scans {
                    c.set_optimize_scans(false);
                }
                let mut started = c.start_compress(Vec::new())?;
                started.write_scanlines(image.as_raw())?;
                Ok(started.finish()?)
            }
            Self::MozjpegRs {
                full_chroma,
                progressive,
                trellis,
                dc_trellis,
                level,
            } => {
                use mozjpeg_rs::{Encoder, Preset, Subsampling, TrellisConfig, TrellisSpeedMode};
                let mut config = if *trellis {
                    TrellisConfig::default()
                } else {
                    TrellisConfig::disabled()
                };
                config.dc_enabled = *trellis && *dc_trellis;
                if let Some(level) = level {
                    config.speed_mode = TrellisSpeedMode::Level(*level);
                }
                let encoder = Encoder::new(Preset::ProgressiveBalanced)
                    .quality(quality)
                    .progressive(*progressive)
                    .subsampling(if *full_chroma {
                        Subsampling::S444
                    } else {
                        Subsampling::S420
                    })
                    .optimize_huffman(true)
                    .trellis(config);
                Ok(encoder.encode_rgb(image.as_raw(), w, h)?)
            }
            Self::Webp {
                method,
                sns,
                sharp_yuv,
                filter,
                preprocessing,
                segments,
            } => {
                let mut config = webp::WebPConfig::new().map_err(|()| anyhow!("libwebp config"))?;
                config.quality = f32::from(quality);
                config.method = *method;
                config.sns_strength = *sns;
                config.use_sharp_yuv = i32::from(*sharp_yuv);
                match filter {
                    Some(strength) => config.filter_strength = *strength,
                    None => config.autofilter = 1,
                }
                config.preprocessing = *preprocessing;
                config.segments = *segments;
                let out = webp::Encoder::from_rgb(image.as_raw(), w, h)
                    .encode_advanced(&config)
                    .map_err(|e| anyhow!("libwebp: {e:?}"))?;
                Ok(out.to_vec())
            }
        }
    }
}

fn candidates() -> Vec<(Candidate, &'static [u8])> {
    use jpeg_encoder::QuantizationTableType as T;
    use jpeg_encoder::SamplingFactor as S;
    const JPEG_Q: &[u8] = &[70, 76, 82, 88];
    // 4:2:0 scores lower at each quality (docs/photos.md), so it is measured higher up.
    const JPEG_Q_420: &[u8] = &[76, 82, 88, 92, 95];
    const WEBP_Q: &[u8] = &[75, 80, 85];
    // Settings measured in the earlier rounds (docs/photos.md: the `image` crate, mozjpeg's
    // other table sets, libwebp's SNS, filter, preprocessing, segments and method 6) are left
    // out unless TUNE_EARLIER is set: scoring dominates the tune's time.
    let earlier = std::env::var_os("TUNE_EARLIER").is_some();
    let mut out = Vec::new();
    if earlier {
        out.push((Candidate::ImageCrate, JPEG_Q));
    }
    // `jpeg-encoder` measured on 2026-11-30 (docs/photos.md): kept here, off by default.
    if std::env::var_os("TUNE_JPEG_ENCODER").is_some() {
        for (sampling, tables) in [(S::F_2_2, T::Default), (S::F_1_1, T::Default)] {
            out.push((
                Candidate::JpegEncoder {
                    sampling,
                    tables,
                    progressive: true,
                },
                JPEG_Q,
            ));
        }
    }
    // mozjpeg: (4:4:4, tables, scans not optimised, no trellis, baseline, scans optimised
    // without trellis, scans in trellis); the first two are its default (4:2:0) and the setting
    // shipped before 2026-11-30's afternoon (4:4:4). `earlier`: measured in the first round.
    for (
        earlier_only,
        full_chroma,
        tables,
        fast_scans,
        no_trellis,
        baseline,
        opt_scans,
        in_trellis,
    ) in [
        (false, false, None, false, false, false, false, false),
        (false, true, None, false, false, false, false, false),
        (false, true, None, true, false, false, false, false),
        (true, true, None, false, false, false, false, true),
        (true, true, None, true, false, false, false, true),
        (
            true,
            true,
            Some("annex-k"),
            false,
            false,
            false,
            false,
            false,
        ),
        (
            true,
            true,
            Some("ms-ssim"),
            false,
            false,
            false,
            false,
            false,
        ),
        (
            true,
            true,
            Some("psnr-hvs"),
            false,
            false,
            false,
            false,
            false,
        ),
        (false, true, None, false, true, false, false, false),
        (false, true, None, false, true, false, true, false),
        (
            false,
            true,
            Some("robidoux"),
            false,
            true,
            false,
            false,
            false,
        ),
        (
            false,
            true,
            Some("robidoux"),
            false,
            true,
            false,
            true,
            false,
        ),
        (true, true, None, false, true, true, false, false),
        (true, false, None, false, true, true, false, false),
    ] {
        if earlier_only && !earlier {
            continue;
        }
        out.push((
            Candidate::Mozjpeg {
                full_chroma,
                tables,
                fast_scans,
                no_trellis,
                baseline,
                optimise_scans: opt_scans,
                scans_in_trellis: in_trellis,
            },
            if full_chroma { JPEG_Q } else { JPEG_Q_420 },
        ));
    }
    // mozjpeg-rs: (4:4:4, progressive, trellis, DC trellis, search level); measured in the
    // first round of 2026-11-30's afternoon.
    for (full_chroma, progressive, trellis, dc_trellis, level) in [
        (true, true, true, true, None),
        (true, true, true, true, Some(10)),
        (true, true, true, false, Some(10)),
        (true, false, true, true, Some(10)),
        (true, true, false, false, None),
        (false, true, true, true, Some(10)),
    ] {
        if !earlier {
            break;
        }
        out.push((
            Candidate::MozjpegRs {
                full_chroma,
                progressive,
                trellis,
                dc_trellis,
                level,
            },
            if full_chroma { JPEG_Q } else { JPEG_Q_420 },
        ));
    }
    // libwebp: (method, SNS, sharp YUV, filter strength or autofilter, preprocessing, segments);
    // libwebp's defaults are method 4, SNS 50, filter 60, no preprocessing, 4 segments.
    // Methods 4 down to 0, each with and without sharp YUV (the shipped setting is the first),
    // then other settings at method 4.
    let mut webp: Vec<_> = (0..=4)
        .rev()
        .flat_map(|method| [true, false].map(|yuv| (method, 50, yuv, Some(60), 0, 4)))
        // Methods 0 and 1, and 2–3 without sharp YUV: first round only.
        .filter(|&(method, _, yuv, ..)| earlier || method == 4 || (method >= 2 && yuv))
        .collect();
    if earlier {
        webp.extend([
            (4, 80, false, Some(60), 0, 4),
            (4, 25, false, Some(60), 0, 4),
            (4, 50, false, None, 0, 4),
            (4, 50, false, Some(30), 0, 4),
            (4, 50, false, Some(60), 1, 4),
            (4, 50, false, Some(60), 0, 1),
            (6, 80, true, None, 0, 4),
        ]);
    }
    for (method, sns, sharp_yuv, filter, preprocessing, segments) in webp {
        out.push((
            Candidate::Webp {
                method,
                sns,
                sharp_yuv,
                filter,
                preprocessing,
                segments,
            },
            WEBP_Q,
        ));
    }
    out
}

/// One candidate at one quality, over the renditions measured.
#[derive(Clone, Default)]
struct Tally {
    /// (our bytes, sharp's bytes at equal score) per rendition.
    pairs: Vec<(f64, f64)>,
    /// Encode time, summed.
    ms: f64,
    /// SSIMULACRA2, summed.
    score: f64,
}

/// The renditions' pixels as resize-image makes them (decode, then 1920 → 960 → 320).
fn renditions(file: &Path) -> anyhow::Result<Vec<(u32, image::RgbImage)>> {
    let bytes = std::fs::read(file)?;
    let mut current = resize_image::render::decode(&bytes).map_err(|e| anyhow!("{e}"))?;
    let mut out = Vec::new();
    for &size in resize_image::render::SIZES.iter().rev() {
        current = resize_image::render::fit(&current, size).map_err(|e| anyhow!("{e}"))?;
        out.push((size, current.clone()));
    }
    Ok(out)
}

/// `tune <work dir> [--size N] <photo>…`; `--size` measures one rendition size only.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let (work, mut photos) = args
        .split_first()
        .context("usage: bench-photos tune <work dir> [--size N] [--format jpeg|webp] <photo>…")?;
    let mut only: Option<u32> = None;
    if let [flag, size, rest @ ..] = photos
        && flag == "--size"
    {
        only = Some(size.parse()?);
        photos = rest;
    }
    let mut only_format: Option<String> = None;
    if let [flag, format, rest @ ..] = photos
        && flag == "--format"
    {
        only_format = Some(format.clone());
        photos = rest;
    }
    let candidates: Vec<_> = candidates()
        .into_iter()
        .filter(|(c, _)| only_format.as_deref().is_none_or(|f| f == c.format()))
        // TUNE_MATCH=text keeps the candidates whose description contains it.
        .filter(|(c, _)| {
            std::env::var("TUNE_MATCH").map_or(true, |m| format!("{c:?}").contains(&m))
        })
        .collect();
    // Per candidate and quality.
    let mut results: Vec<Vec<Tally>> = candidates
        .iter()
        .map(|(_, qs)| vec![Tally::default(); qs.len()])
        .collect();
    for file in photos {
        let file = std::fs::canonicalize(file)?;
        let photo = file
            .file_name()
            .context("no file name")?
            .to_string_lossy()
            .into_owned();
        let sharp_dir = Path::new(work).join("rd").join(&photo).join("sharp");
        let mut scorer = Scorer::open(&file)?;
        for (size, pixels) in renditions(&file)? {
            if only.is_some_and(|o| o != size) {
                continue;
            }
            let mut by_format = Vec::new();
            for format in ["jpeg", "webp"] {
                let curves = sharp_curves(&mut scorer, &sharp_dir, size, format)
                    .with_context(|| format!("sharp's sweep of {photo}: run `run` first"))?;
                by_format.push((format, curves));
            }
            for (c, (candidate, qualities)) in candidates.iter().enumerate() {
                let format = candidate.format();
                let curves = by_format
                    .iter()
                    .find(|(f, _)| *f == format)
                    .map(|(_, c)| c)
                    .context("no curves")?;
                for (i, &quality) in qualities.iter().enumerate() {
                    let started = Instant::now();
                    let ours = candidate.encode(&pixels, quality)?;
                    let ms = started.elapsed().as_secs_f64() * 1e3;
                    let score = scorer.score(&ours)?;
                    let sharp = rd::best_bytes_at_score(curves, score).context("empty sweep")?;
                    let slot = &mut results[c][i];
                    slot.pairs.push((ours.len() as f64, sharp.bytes()));
                    slot.ms += ms;
                    slot.score += score;
                }
            }
        }
        eprintln!("tuned on {photo}");
    }
    println!(
        "| candidate | quality | mean SSIMULACRA2 | ours ÷ sharp at equal score (summed) | encode time (all renditions) |"
    );
    println!("|---|---|---|---|---|");
    for ((candidate, qualities), per_quality) in candidates.iter().zip(&results) {
        for (&quality, t) in qualities.iter().zip(per_quality) {
            println!(
                "| {candidate:?} | {quality} | {:.2} | {:.3} | {:.0} ms |",
                t.score / t.pairs.len() as f64,
                rd::summed_ratio(&t.pairs),
                t.ms,
            );
        }
    }
    Ok(())
}
