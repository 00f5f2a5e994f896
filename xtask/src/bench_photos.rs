//! `xtask bench-photos <file>…`: the photo benchmark. Each run renders one file in a fresh
//! process (`xtask render-one`, and `node bench/sharp/render-one.mjs` for sharp), so every
//! process's peak RSS belongs to that one render. Both sides get the same thread count:
//! resize-image renders on one thread, and sharp runs with `sharp.concurrency(1)` and
//! `UV_THREADPOOL_SIZE=1`. Run it through `scripts/bench-photos.sh`, which fetches the photos
//! and installs sharp; figures are written down in docs/photos.md.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

const RUNS: usize = 5;

/// `xtask render-one <file>`: renders one file and prints `<ms> <peak RSS KiB> <bytes out>`.
pub fn render_one(file: &str) -> anyhow::Result<()> {
    let input = std::fs::read(file).with_context(|| format!("reading {file}"))?;
    let started = Instant::now();
    let renditions =
        resize_image::render::render(&input).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let bytes: usize = renditions.iter().map(|r| r.bytes.len()).sum();
    println!("{ms:.1} {} {bytes}", peak_rss_kib()?);
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

/// One run's figures.
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

/// Renders every file `RUNS` times with each tool and prints a Markdown table.
pub fn run_all(files: &[String]) -> anyhow::Result<()> {
    if files.is_empty() {
        bail!("usage: xtask bench-photos <file.jpg>…");
    }
    let me = std::env::current_exe()?;
    let sharp_dir = Path::new("bench/sharp");
    println!(
        "| photo | pixels | resize-image median | sharp median | resize-image peak RSS | sharp peak RSS | output bytes (ours / sharp) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for file in files {
        let (w, h) = image::image_dimensions(file).with_context(|| format!("reading {file}"))?;
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..RUNS {
            let mut c = Command::new(&me);
            c.args(["render-one", file]);
            ours.push(run(c)?);
            let mut c = Command::new("node");
            c.current_dir(sharp_dir)
                .env("UV_THREADPOOL_SIZE", "1")
                .env("VIPS_CONCURRENCY", "1")
                .arg("render-one.mjs")
                .arg(std::fs::canonicalize(file)?)
                .arg("1");
            theirs.push(run(c)?);
        }
        let name = Path::new(file)
            .file_name()
            .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
        println!(
            "| {name} | {w}×{h} ({:.1} MP) | {:.0} ms | {:.0} ms | {:.0} MiB | {:.0} MiB | {} / {} KiB |",
            f64::from(w) * f64::from(h) / 1e6,
            median(ours.iter().map(|r| r.ms).collect()),
            median(theirs.iter().map(|r| r.ms).collect()),
            ours.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0,
            theirs.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0,
            ours[0].bytes / 1024,
            theirs[0].bytes / 1024,
        );
    }
    Ok(())
}

/// `xtask enlarge <in> <out> <megapixels>`: writes a JPEG of about that many megapixels made
/// from a real photo (for the 50 MP memory check).
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
