//! The benchmark's driver. Each timed run renders one file in a fresh process
//! (`bench-photos render-one`, this binary, built with the release profile; and
//! `node bench/sharp/render-one.mjs`), so each process's peak RSS belongs to that one render.
//! Both render on one thread: resize-image is single-threaded, and sharp runs with
//! `sharp.concurrency(1)`, `UV_THREADPOOL_SIZE=1` and `VIPS_CONCURRENCY=1`. Then sharp renders
//! each photo at every quality of [`SWEEP`] (`bench/sharp/sweep.mjs`), every rendition of both
//! tools is scored against the same reference ([`crate::score`]), and sharp's bytes at our
//! score are interpolated on its sweep ([`crate::rd`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::rd::{self, Equal, Point};
use crate::score::Scorer;

/// Timed runs per tool and file.
const RUNS: usize = 5;
/// sharp's quality settings for the rate–distortion curve (JPEG and WebP alike): every 2–3
/// steps from 60 to 90, where our renditions score, because bytes grow faster than score
/// (the curve is convex), so a straight line between distant points overstates sharp's bytes.
pub const SWEEP: [u8; 18] = [
    20, 40, 50, 60, 65, 70, 72, 74, 76, 78, 80, 82, 85, 88, 90, 92, 95, 100,
];
/// Rendition sizes and encodings, as resize-image makes them.
const SIZES: [u32; 3] = resize_image::render::SIZES;
const FORMATS: [&str; 2] = ["jpeg", "webp"];

/// `render-one <file> [outdir]`: renders one file, prints `<ms> <peak RSS KiB> <bytes out>`,
/// and then (outside the timing) writes the renditions as `<outdir>/<size>.<jpeg|webp>`.
pub fn render_one(file: &str, outdir: Option<&str>) -> anyhow::Result<()> {
    let input = std::fs::read(file).with_context(|| format!("reading {file}"))?;
    let started = Instant::now();
    let renditions =
        resize_image::render::render(&input).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let bytes: usize = renditions.iter().map(|r| r.bytes.len()).sum();
    let peak = peak_rss_kib()?;
    if let Some(dir) = outdir {
        std::fs::create_dir_all(dir)?;
        for r in &renditions {
            std::fs::write(
                Path::new(dir).join(format!("{}.{}", r.size, r.encoding.as_str())),
                &r.bytes,
            )?;
        }
    }
    println!("{ms:.1} {peak} {bytes}");
    Ok(())
}

fn peak_rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("reading /proc")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/self/status")
}

/// One timed run's figures.
struct Run {
    ms: f64,
    peak_kib: u64,
    bytes: u64,
}

fn run(mut command: Command) -> anyhow::Result<Run> {
    let out = command.output().context("starting a render")?;
    if !out.status.success() {
        bail!(
            "render failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let mut next = || parts.next().context("short render output");
    Ok(Run {
        ms: next()?.parse()?,
        peak_kib: next()?.parse()?,
        bytes: next()?.parse()?,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn sharp(script: &str) -> Command {
    let mut c = Command::new("node");
    c.current_dir("bench/sharp")
        .env("UV_THREADPOOL_SIZE", "1")
        .env("VIPS_CONCURRENCY", "1")
        .arg(script);
    c
}

fn name_of(file: &Path) -> String {
    file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// `run <work dir> <photo>… [--memory-only <file>…]`: time and memory for every file, the
/// rate–distortion comparison for the photos (not for the `--memory-only` files, such as the
/// enlarged 50 MP one). Prints Markdown tables.
pub fn run_all(args: &[String]) -> anyhow::Result<()> {
    let Some((work, rest)) = args.split_first() else {
        bail!("usage: bench-photos run <work dir> <photo>… [--memory-only <file>…]");
    };
    let split = rest.iter().position(|a| a == "--memory-only");
    let (photos, memory_only) = match split {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &rest[..0]),
    };
    if photos.is_empty() {
        bail!("no photos given");
    }
    timing(photos.iter().chain(memory_only))?;
    quality(Path::new(work), photos)
}

fn timing<'a>(files: impl Iterator<Item = &'a String>) -> anyhow::Result<()> {
    let me = std::env::current_exe()?;
    println!("### Time and memory (one thread; medians of {RUNS} runs, peak RSS the largest)\n");
    println!(
        "| photo | pixels | resize-image | sharp | time ours ÷ sharp | resize-image peak RSS | sharp peak RSS | bytes at default settings (ours / sharp) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for file in files {
        let (w, h) = image::image_dimensions(file).with_context(|| format!("reading {file}"))?;
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..RUNS {
            let mut c = Command::new(&me);
            c.args(["render-one", file]);
            ours.push(run(c)?);
            let mut c = sharp("render-one.mjs");
            c.arg(std::fs::canonicalize(file)?).arg("1");
            theirs.push(run(c)?);
        }
        let (ms_ours, ms_theirs) = (
            median(ours.iter().map(|r| r.ms).collect()),
            median(theirs.iter().map(|r| r.ms).collect()),
        );
        println!(
            "| {} | {w}×{h} ({:.1} MP) | {ms_ours:.0} ms | {ms_theirs:.0} ms | {:.2} | {:.0} MiB | {:.0} MiB | {} / {} KiB |",
            name_of(Path::new(file)),
            f64::from(w) * f64::from(h) / 1e6,
            ms_ours / ms_theirs,
            ours.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0,
            theirs.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0,
            ours[0].bytes / 1024,
            theirs[0].bytes / 1024,
        );
    }
    println!();
    Ok(())
}

/// One of our renditions next to sharp at equal score.
struct Compared {
    photo: String,
    size: u32,
    format: &'static str,
    ours_bytes: f64,
    ours_score: f64,
    sharp: Equal,
}

fn quality(work: &Path, photos: &[String]) -> anyhow::Result<()> {
    let me = std::env::current_exe()?;
    let sweep = SWEEP.map(|q| q.to_string()).join(",");
    let mut rows = Vec::new();
    for file in photos {
        let file = std::fs::canonicalize(file)?;
        let photo = name_of(&file);
        let dir = work.join("rd").join(&photo);
        let (ours_dir, sharp_dir) = (dir.join("ours"), dir.join("sharp"));
        let mut c = Command::new(&me);
        c.arg("render-one").arg(&file).arg(&ours_dir);
        run(c)?;
        let status = sharp("sweep.mjs")
            .arg(&file)
            .arg(
                std::fs::canonicalize(work)?
                    .join("rd")
                    .join(&photo)
                    .join("sharp"),
            )
            .arg(&sweep)
            .status()?;
        if !status.success() {
            bail!("sharp's sweep failed on {photo}");
        }
        let mut scorer = Scorer::open(&file)?;
        for size in SIZES {
            for format in FORMATS {
                let ours = read(&ours_dir.join(format!("{size}.{format}")))?;
                let ours_score = scorer.score(&ours)?;
                let curves = sharp_curves(&mut scorer, &sharp_dir, size, format)?;
                let sharp = rd::best_bytes_at_score(&curves, ours_score).context("empty sweep")?;
                eprintln!(
                    "{photo} {size} {format}: ours {} B at {ours_score:.2}; sharp {curves:?}",
                    ours.len()
                );
                rows.push(Compared {
                    photo: photo.clone(),
                    size,
                    format,
                    ours_bytes: ours.len() as f64,
                    ours_score,
                    sharp,
                });
            }
        }
    }
    print_quality(&rows);
    Ok(())
}

/// The variants of sharp's sweep compared for `format`: its default, and for JPEG also 4:4:4.
pub fn variants(format: &str) -> &'static [&'static str] {
    if format == "jpeg" {
        &["", "-444"]
    } else {
        &[""]
    }
}

/// sharp's rate–distortion curves for one rendition, one per variant of its settings. Scores
/// are kept in `<sharp_dir>/scores.tsv` (file name, its length, score) and reused while the
/// file is unchanged, since scoring dominates the benchmark's time.
pub fn sharp_curves(
    scorer: &mut Scorer,
    sharp_dir: &Path,
    size: u32,
    format: &str,
) -> anyhow::Result<Vec<Vec<Point>>> {
    let cache_file = sharp_dir.join("scores.tsv");
    let mut cache: Vec<(String, usize, f64)> = std::fs::read_to_string(&cache_file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some((
                parts.next()?.to_owned(),
                parts.next()?.parse().ok()?,
                parts.next()?.parse().ok()?,
            ))
        })
        .collect();
    let mut curves = Vec::new();
    for variant in variants(format) {
        let mut curve = Vec::new();
        for quality in SWEEP {
            let name = format!("{size}-{quality}{variant}.{format}");
            let theirs = read(&sharp_dir.join(&name))?;
            let known = cache
                .iter()
                .find(|(n, len, _)| *n == name && *len == theirs.len())
                .map(|c| c.2);
            let score = match known {
                Some(score) => score,
                None => {
                    let score = scorer.score(&theirs)?;
                    cache.retain(|(n, _, _)| *n != name);
                    cache.push((name, theirs.len(), score));
                    score
                }
            };
            curve.push(Point {
                quality,
                bytes: theirs.len() as f64,
                score,
            });
        }
        curves.push(curve);
    }
    let text: String = cache
        .iter()
        .map(|(n, len, score)| format!("{n}\t{len}\t{score}\n"))
        .collect();
    std::fs::write(&cache_file, text)?;
    Ok(curves)
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn print_quality(rows: &[Compared]) {
    println!(
        "### Bytes at equal SSIMULACRA2 (sharp's quality interpolated to our score, the cheaper of \
         its 4:2:0 and 4:4:4 JPEG; ≥ marks a score above sharp's q{}, ≤ one below its q{})\n",
        SWEEP[SWEEP.len() - 1],
        SWEEP[0]
    );
    println!(
        "| photo | size | format | ours: bytes | ours: SSIMULACRA2 | sharp at that score: quality | sharp: bytes | ours ÷ sharp |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        let (quality, mark) = match r.sharp {
            Equal::Within { quality, .. } => (format!("{quality:.1}"), ""),
            Equal::Above { .. } => ("–".to_owned(), "≥ "),
            Equal::Below { .. } => ("–".to_owned(), "≤ "),
        };
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {quality} | {mark}{:.0} | {:.2} |",
            r.photo,
            r.size,
            r.format,
            r.ours_bytes,
            r.ours_score,
            r.sharp.bytes(),
            r.ours_bytes / r.sharp.bytes()
        );
    }
    println!("\n### Summed over the photos and sizes\n");
    println!(
        "| format | ours: bytes | sharp at equal SSIMULACRA2: bytes | ours ÷ sharp | renditions outside sharp's sweep |"
    );
    println!("|---|---|---|---|---|");
    for format in FORMATS {
        let mine: Vec<_> = rows.iter().filter(|r| r.format == format).collect();
        let pairs: Vec<_> = mine
            .iter()
            .map(|r| (r.ours_bytes, r.sharp.bytes()))
            .collect();
        let outside = mine
            .iter()
            .filter(|r| !matches!(r.sharp, Equal::Within { .. }))
            .count();
        println!(
            "| {format} | {:.0} | {:.0} | {:.3} | {outside} |",
            pairs.iter().map(|p| p.0).sum::<f64>(),
            pairs.iter().map(|p| p.1).sum::<f64>(),
            rd::summed_ratio(&pairs),
        );
    }
}

/// `enlarge <in> <out> <megapixels>`: writes a JPEG of about that many megapixels made from a
/// real photo (for the 50 MP memory check).
pub fn enlarge(input: &str, output: &str, megapixels: f64) -> anyhow::Result<()> {
    let img = image::open(input).with_context(|| format!("reading {input}"))?;
    let scale = (megapixels * 1e6 / (f64::from(img.width()) * f64::from(img.height()))).sqrt();
    let (w, h) = (
        (f64::from(img.width()) * scale).floor() as u32,
        (f64::from(img.height()) * scale).floor() as u32,
    );
    let big = img.resize_exact(w, h, image::imageops::FilterType::Triangle);
    let mut out = std::fs::File::create(output)?;
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&big.to_rgb8())?;
    println!("wrote {output}: {w}×{h}");
    Ok(())
}
