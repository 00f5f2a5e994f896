//! The web app in real headless Chromium: starts the local server over a fresh copy of the
//! demo data serving the built app (`web/dist`), then runs the browser journeys and the
//! axe-core checks (`web/test/browser/journeys.test.mjs`, node's test runner driving Debian's
//! `/usr/bin/chromium` through playwright-core) against it, the way `fuzz` runs schemathesis,
//! then a write over the limit explained in words (`limits.test.mjs`, a server with one write
//! token per action). The speed budgets are not timed here, beside the parallel suite:
//! scripts/test.sh runs them after it (`make web-budgets`).
//! Fails, never skips, when node, the built app, its packages or chromium are missing, saying
//! what to run (`make test` does all of it: scripts/test.sh builds the app first).

use std::path::Path;
use std::process::Command;

/// What the browser tests need, each with the command that provides it.
fn check_prerequisites(web: &Path) {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node is missing: install Node.js 20 (README, 'Web app'); `make test` needs it"
    );
    assert!(
        web.join("node_modules/playwright-core").is_dir(),
        "web/node_modules is missing: run `npm ci` in web/ (scripts/test.sh does)"
    );
    assert!(
        web.join("dist/index.html").is_file(),
        "web/dist is not built: run `npm run build` in web/ (scripts/test.sh does)"
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&chromium).is_file(),
        "{chromium} is missing: run `apt-get install -y chromium` (.ci/run does)"
    );
}

/// A real photograph-sized JPEG (a smooth two-axis gradient, 1600×1200) to upload.
fn test_jpeg(dir: &Path) -> std::path::PathBuf {
    let image = image::RgbImage::from_fn(1600, 1200, |x, y| {
        image::Rgb([
            (x * 255 / 1600) as u8,
            (y * 255 / 1200) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&image)
        .expect("encode JPEG");
    let path = dir.join("cafe-photo.jpg");
    std::fs::write(&path, bytes).expect("write JPEG");
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn journeys_and_accessibility_in_headless_chromium() {
    let web = tests::repo_root().join("web");
    check_prerequisites(&web);
    let app = tests::spawn_app().await;
    let photo = test_jpeg(app.data_dir.path());
    let quiet = tests::quiet_cafe_ids()[1].clone();
    let base = app.url("");
    let web_dir = web.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args([
                "--test",
                "--test-concurrency=1",
                "test/browser/journeys.test.mjs",
            ])
            .current_dir(&web)
            .env("CRAFTBEAN_WEB_URL", base)
            .env("CRAFTBEAN_QUIET_CAFE", quiet)
            .env("CRAFTBEAN_TEST_JPEG", photo)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .output()
    })
    .await
    .expect("join")
    .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            l.starts_with("# pass")
                || l.starts_with("# fail")
                || l.starts_with("ok ")
                || l.starts_with("not ok")
        })
        .collect();
    println!("browser tests: {}", summary.join(" | "));
    assert!(
        output.status.success(),
        "the browser journeys failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("# pass 2"),
        "the browser tests did not all run:\n{stdout}"
    );

    // Errors in words: a server whose write buckets hold one token an hour answers the second
    // save with a 429, which the page must explain.
    let limited = tests::spawn_app_with_limit(1).await;
    let (limits_dir, limits_base) = (web_dir.clone(), limited.url(""));
    let limits = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "test/browser/limits.test.mjs"])
            .current_dir(&limits_dir)
            .env("CRAFTBEAN_WEB_URL", limits_base)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .output()
    })
    .await
    .expect("join")
    .expect("run node");
    let limits_out = String::from_utf8_lossy(&limits.stdout);
    assert!(
        limits.status.success() && limits_out.contains("# pass 1"),
        "the rate-limit test failed:\n{limits_out}\n{}",
        String::from_utf8_lossy(&limits.stderr)
    );
}
