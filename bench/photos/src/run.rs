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

use resize_image::render::Stage;

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

/// `render-one <file> [outdir]`: renders one file, prints `<ms> <peak RSS KiB> <bytes out>`
/// followed by each stage's time as `<stage>=<ms>` (see [`stage_name`]), and then (outside
/// the timing) writes the renditions as `<outdir>/<size>.<jpeg|webp>`.
pub fn render_one(file: &str, outdir: Option<&str>) -> anyhow::Result<()> {
    let input = std::fs::read(file).with_context(|| format!("reading {file}"))?;
    let started = Instant::now();
    let mut stages = Vec::new();
    let mut last = started;
    let renditions = resize_image::render::render_observed(
        &input,
        &std::sync::atomic::AtomicBool::new(false),
        |stage| {
            let now = Instant::now();
            stages.push((stage, (now - last).as_secs_f64() * 1e3));
            last = now;
        },
    )
    .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
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
    let stages: String = stages
        .iter()
        .map(|(stage, ms)| format!(" {}={ms:.2}", stage_name(*stage)))
        .collect();
    println!("{ms:.1} {peak} {bytes}{stages}");
    Ok(())
}

/// A stage's column name in the profile: `decode`, `resize-<size>`, `<webp|jpeg>-<size>`
/// (sharp's render-one.mjs names its per-output times the same way).
pub fn stage_name(stage: Stage) -> String {
    match stage {
        Stage::Decoded => "decode".to_owned(),
        Stage::Resized(size) => format!("resize-{size}"),
        Stage::Encoded(size, encoding) => format!("{}-{size}", encoding.as_str()),
    }
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
    /// `<stage>=<ms>` pairs after the three figures, in order.
    stages: Vec<(String, f64)>,
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
    let (ms, peak_kib, bytes) = (next()?.parse()?, next()?.parse()?, next()?.parse()?);
    let stages = parts
        .map(|p| {
            let (name, ms) = p.split_once('=').context("a stage without '='")?;
            Ok((name.to_owned(), ms.parse()?))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Run {
        ms,
        peak_kib,
        bytes,
        stages,
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

/// The machine's load average (1, 5, 15 minutes), as `/proc/loadavg` gives it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Our stages in pipeline order, as [`stage_name`] names them.
fn our_stages() -> Vec<String> {
    let mut out = vec![stage_name(Stage::Decoded)];
    for &size in SIZES.iter().rev() {
        out.push(stage_name(Stage::Resized(size)));
        for encoding in [
            resize_image::render::Encoding::Webp,
            resize_image::render::Encoding::Jpeg,
        ] {
            out.push(stage_name(Stage::Encoded(size, encoding)));
        }
    }
    out
}

/// The median of `stage` over `runs` (0 when no run reported it).
fn stage_median(runs: &[Run], stage: &str) -> f64 {
    let times: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.stages.iter().find(|(n, _)| n == stage).map(|s| s.1))
        .collect();
    if times.is_empty() { 0.0 } else { median(times) }
}

/// `profile <photo>…`: where the time goes. Renders each file [`RUNS`] times with each tool
/// (fresh processes, interleaved, as `run` does) and prints the median time of each of our
/// stages (decode, each resize, each encode) and of each of sharp's outputs (each of which runs
/// sharp's whole pipeline: decode with shrink-on-load, resize, encode).
pub fn profile(files: &[String]) -> anyhow::Result<()> {
    let me = std::env::current_exe()?;
    println!("Load average at the start: {}\n", load_average());
    let ours_stages = our_stages();
    let sharp_stages: Vec<String> = ours_stages
        .iter()
        .filter(|s| s.starts_with("webp") || s.starts_with("jpeg"))
        .cloned()
        .collect();
    let mut table_ours = format!(
        "| photo | {} | total | sharp total | ours ÷ sharp |\n|---|{}---|---|---|\n",
        ours_stages.join(" | "),
        "---|".repeat(ours_stages.len())
    );
    let mut table_sharp = format!(
        "| photo | {} | total |\n|---|{}---|\n",
        sharp_stages.join(" | "),
        "---|".repeat(sharp_stages.len())
    );
    for file in files {
        let (ours, theirs) = interleaved(&me, file)?;
        let name = name_of(Path::new(file));
        let (total_ours, total_sharp) = (
            median(ours.iter().map(|r| r.ms).collect()),
            median(theirs.iter().map(|r| r.ms).collect()),
        );
        let cells = |runs: &[Run], stages: &[String]| {
            stages
                .iter()
                .map(|s| format!("{:.0}", stage_median(runs, s)))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        table_ours.push_str(&format!(
            "| {name} | {} | {total_ours:.0} | {total_sharp:.0} | {:.2} |\n",
            cells(&ours, &ours_stages),
            total_ours / total_sharp
        ));
        table_sharp.push_str(&format!(
            "| {name} | {} | {total_sharp:.0} |\n",
            cells(&theirs, &sharp_stages)
        ));
        eprintln!("profiled {name}");
    }
    println!(
        "### Our stages (ms, medians of {RUNS} runs; one thread, release profile)\n\n{table_ours}"
    );
    println!(
        "### sharp's outputs (ms, medians of {RUNS} runs; each is decode + resize + encode)\n\n{table_sharp}"
    );
    println!("Load average at the end: {}", load_average());
    Ok(())
}

/// [`RUNS`] renders of `file` by each tool, ours and sharp's interleaved, each in a fresh
/// process (ours is this binary's `render-one`).
fn interleaved(me: &Path, file: &str) -> anyhow::Result<(Vec<Run>, Vec<Run>)> {
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..RUNS {
        let mut c = Command::new(me);
        c.args(["render-one", file]);
        ours.push(run(c)?);
        let mut c = sharp("render-one.mjs");
        c.arg(std::fs::canonicalize(file)?).arg("1");
        theirs.push(run(c)?);
    }
    Ok((ours, theirs))
}

fn timing<'a>(files: impl Iterator<Item = &'a String>) -> anyhow::Result<()> {
    let me = std::env::current_exe()?;
    println!(
        "### Time and memory (one thread; medians of {RUNS} runs, peak RSS the largest; load average {})\n",
        load_average()
    );
    println!(
        "| photo | pixels | resize-image | sharp | time ours ÷ sharp | resize-image peak RSS | sharp peak RSS | bytes at default settings (ours / sharp) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for file in files {
        let (w, h) = image::image_dimensions(file).with_context(|| format!("reading {file}"))?;
        let (ours, theirs) = interleaved(&me, file)?;
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
    /// On the cheaper of sharp's curves at that score.
    sharp: Equal,
    /// On sharp's default setting's curve alone.
    sharp_default: Equal,
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
                let sharp_default =
                    rd::best_bytes_at_score(&curves[..1], ours_score).context("empty sweep")?;
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
                    sharp_default,
                });
            }
        }
    }
    print_quality(&rows);
    Ok(())
}

/// The variants of sharp's sweep compared for `format`: its default first, then for JPEG
/// 4:4:4 and for WebP sharp YUV (`smartSubsample`).
pub fn variants(format: &str) -> &'static [&'static str] {
    if format == "jpeg" {
        &["", "-444"]
    } else {
        &["", "-sharpyuv"]
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
         its 4:2:0 and 4:4:4 JPEG, of its WebP with and without sharp YUV; ≥ marks a score above \
         sharp's q{}, ≤ one below its q{})\n",
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
        "| format | ours: bytes | sharp at equal SSIMULACRA2: bytes | ours ÷ sharp | renditions outside sharp's sweep | ours ÷ sharp's default setting alone (outside its sweep) |"
    );
    println!("|---|---|---|---|---|---|");
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
        let default_pairs: Vec<_> = mine
            .iter()
            .map(|r| (r.ours_bytes, r.sharp_default.bytes()))
            .collect();
        let default_outside = mine
            .iter()
            .filter(|r| !matches!(r.sharp_default, Equal::Within { .. }))
            .count();
        println!(
            "| {format} | {:.0} | {:.0} | {:.3} | {outside} | {:.3} ({default_outside}) |",
            pairs.iter().map(|p| p.0).sum::<f64>(),
            pairs.iter().map(|p| p.1).sum::<f64>(),
            rd::summed_ratio(&pairs),
            rd::summed_ratio(&default_pairs),
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
