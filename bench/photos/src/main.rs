//! `bench-photos`: the photo benchmark's one binary, built with the release profile (the code
//! Lambda runs). Subcommands: `run`, `render-one`, `profile`, `tune`, `enlarge` (see `bench_photos::run`).

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map_or("", String::as_str);
    match arg(0) {
        "run" => bench_photos::run::run_all(&args[1..]),
        "render-one" => bench_photos::run::render_one(arg(1), args.get(2).map(String::as_str)),
        "profile" => bench_photos::run::profile(&args[1..]),
        "tune" => bench_photos::tune::run(&args[1..]),
        "enlarge" => bench_photos::run::enlarge(arg(1), arg(2), arg(3).parse()?),
        _ => anyhow::bail!(
            "usage: bench-photos run <work dir> <photo>… [--memory-only <file>…] | render-one <file> [outdir] | profile <photo>… | tune <work dir> [--size N] [--format jpeg|webp] <photo>… | enlarge <in> <out> <MP>"
        ),
    }
}
