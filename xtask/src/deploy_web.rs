//! `xtask deploy-web`: publish the built web app (`web/dist`) to the stack's web bucket.
//!
//! 1. Reads the stack's outputs (CloudFormation `DescribeStacks`), or takes them as flags.
//! 2. Writes `app-config.json` (API base, the Cognito hosted UI, the basemap) beside the build.
//! 3. Uploads every file with its `Content-Type` and `Cache-Control`: hashed files under
//!    `assets/` are immutable for a year, everything else (`index.html`, `app-config.json`,
//!    unhashed files) is `no-cache`, so a browser revalidates it on every load. Assets go first and
//!    the entry points last, so no published `index.html` names a file not yet uploaded.
//! 4. Deletes every object the build no longer has.
//! 5. Invalidates `/index.html` and `/app-config.json` on the distribution (the SPA function
//!    serves every app route from `/index.html`, so that one path covers them all).
//!
//! Tested over the wire against moto's S3 and CloudFront (`tests` below).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use aws_sdk_s3::Client as S3;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use serde_json::json;
use shared::blob::cloudfront::CloudFrontInvalidator;
use shared::ports::CdnInvalidator;

/// The stack outputs deploy-web reads (tests check template.yaml declares each).
pub const STACK_OUTPUTS: [&str; 4] = [
    "WebBucketName",
    "CdnDistributionId",
    "AuthDomain",
    "WebClientId",
];

/// Hashed build output: content-addressed, cached for a year.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Entry points and unhashed files: revalidated on every load.
pub const REVALIDATE: &str = "no-cache";
/// The runtime configuration the app fetches at start.
pub const APP_CONFIG: &str = "app-config.json";
/// Paths invalidated after a deploy.
pub const INVALIDATED: [&str; 2] = ["/index.html", "/app-config.json"];
/// Where the Cognito hosted UI sends the browser back (the web app's route).
pub const REDIRECT_PATH: &str = "/auth/callback";

/// Where and how to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub bucket: String,
    pub distribution_id: String,
    /// `https://<prefix>.auth.<region>.amazoncognito.com`
    pub auth_domain: String,
    pub web_client_id: String,
    /// A tile URL template for the map's basemap, or none (markers only).
    pub basemap_tile_url: Option<String>,
}

impl Target {
    /// From a stack's outputs (`OutputKey` → `OutputValue`); `auth_domain` may be overridden
    /// for a secondary-region stack, whose own output is empty.
    pub fn from_outputs(
        outputs: &BTreeMap<String, String>,
        auth_domain: Option<String>,
        basemap_tile_url: Option<String>,
    ) -> anyhow::Result<Self> {
        let get = |name: &str| -> anyhow::Result<String> {
            outputs
                .get(name)
                .filter(|v| !v.is_empty())
                .cloned()
                .with_context(|| format!("the stack has no (or an empty) {name} output"))
        };
        let auth_domain = match auth_domain {
            Some(domain) => domain,
            None => get("AuthDomain").context(
                "pass --auth-domain with the primary stack's AuthDomain in a secondary region",
            )?,
        };
        Ok(Self {
            bucket: get("WebBucketName")?,
            distribution_id: get("CdnDistributionId")?,
            auth_domain: auth_domain.trim_end_matches('/').to_owned(),
            web_client_id: get("WebClientId")?,
            basemap_tile_url,
        })
    }

    /// The `app-config.json` the app reads at start (its contract with the web app).
    pub fn app_config(&self) -> serde_json::Value {
        json!({
            "apiBase": "/api",
            "auth": {
                "kind": "cognito",
                "domain": self.auth_domain,
                "clientId": self.web_client_id,
                "redirectPath": REDIRECT_PATH,
                "scopes": ["openid", "email", "profile"],
            },
            "basemapTileUrl": self.basemap_tile_url,
        })
    }
}

/// One object to upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub key: String,
    pub path: PathBuf,
    pub content_type: String,
    pub cache_control: &'static str,
}

/// `Cache-Control` for a key: only the hashed build output under `assets/` is immutable.
pub fn cache_control(key: &str) -> &'static str {
    if key.starts_with("assets/") {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// `Content-Type` for a key, from its extension; text types say UTF-8.
pub fn content_type(key: &str) -> String {
    let mime = mime_guess::from_path(key).first_or_octet_stream();
    let essence = mime.essence_str();
    let texty = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            essence,
            "application/javascript" | "application/json" | "image/svg+xml"
        );
    if texty {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_owned()
    }
}

/// Every file under `dist`, as uploads in publishing order: everything else first, then
/// `app-config.json`, then `index.html` last.
pub fn plan(dist: &Path) -> anyhow::Result<Vec<Upload>> {
    if !dist.join("index.html").is_file() {
        bail!(
            "{} has no index.html: build the app first (npm --prefix web ci && npm --prefix web run build)",
            dist.display()
        );
    }
    let mut files = Vec::new();
    collect(dist, dist, &mut files)?;
    let rank = |key: &str| match key {
        "index.html" => 2,
        APP_CONFIG => 1,
        _ => 0,
    };
    files.sort_by(|a: &Upload, b: &Upload| {
        rank(&a.key)
            .cmp(&rank(&b.key))
            .then_with(|| a.key.cmp(&b.key))
    });
    Ok(files)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<Upload>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
            continue;
        }
        let relative = path.strip_prefix(root)?;
        let key = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.push(Upload {
            content_type: content_type(&key),
            cache_control: cache_control(&key),
            key,
            path,
        });
    }
    Ok(())
}

/// What a sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub uploaded: Vec<String>,
    pub deleted: Vec<String>,
}

/// Writes `app-config.json` into `dist`, uploads the plan and deletes every other object.
pub async fn sync(s3: &S3, target: &Target, dist: &Path) -> anyhow::Result<Report> {
    let config = serde_json::to_vec_pretty(&target.app_config())?;
    std::fs::write(dist.join(APP_CONFIG), config)
        .with_context(|| format!("writing {}", dist.join(APP_CONFIG).display()))?;
    let uploads = plan(dist)?;
    let mut report = Report::default();
    for upload in &uploads {
        let body = ByteStream::from_path(&upload.path)
            .await
            .with_context(|| format!("reading {}", upload.path.display()))?;
        s3.put_object()
            .bucket(&target.bucket)
            .key(&upload.key)
            .content_type(&upload.content_type)
            .cache_control(upload.cache_control)
            .body(body)
            .send()
            .await
            .with_context(|| format!("uploading {}", upload.key))?;
        report.uploaded.push(upload.key.clone());
    }
    let keep: BTreeSet<&str> = uploads.iter().map(|u| u.key.as_str()).collect();
    let stale: Vec<String> = list_keys(s3, &target.bucket)
        .await?
        .into_iter()
        .filter(|key| !keep.contains(key.as_str()))
        .collect();
    // DeleteObjects takes at most 1,000 keys.
    for chunk in stale.chunks(1000) {
        let objects = chunk
            .iter()
            .map(|key| ObjectIdentifier::builder().key(key).build())
            .collect::<Result<Vec<_>, _>>()?;
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()?;
        let out = s3
            .delete_objects()
            .bucket(&target.bucket)
            .delete(delete)
            .send()
            .await
            .context("deleting stale files")?;
        if let Some(error) = out.errors().first() {
            bail!(
                "could not delete {}: {}",
                error.key().unwrap_or("?"),
                error.message().unwrap_or("?")
            );
        }
        report.deleted.extend(chunk.iter().cloned());
    }
    Ok(report)
}

async fn list_keys(s3: &S3, bucket: &str) -> anyhow::Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.context("listing the web bucket")?;
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
    }
    Ok(keys)
}

/// Asks the distribution to drop its copies of the entry points.
pub async fn invalidate(
    cloudfront: aws_sdk_cloudfront::Client,
    distribution_id: &str,
) -> anyhow::Result<()> {
    CloudFrontInvalidator::new(cloudfront, distribution_id)
        .invalidate(INVALIDATED.iter().map(|p| (*p).to_owned()).collect())
        .await
        .context("invalidating the entry points")
}

/// The stack's outputs.
pub async fn stack_outputs(
    cloudformation: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> anyhow::Result<BTreeMap<String, String>> {
    let out = cloudformation
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .with_context(|| format!("describing stack {stack}"))?;
    let stack = out.stacks().first().context("no such stack")?;
    let outputs: BTreeMap<String, String> = stack
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
        .collect();
    if let Some(missing) = STACK_OUTPUTS.iter().find(|o| !outputs.contains_key(**o)) {
        bail!("the stack has no {missing} output: deploy the current template.yaml first");
    }
    Ok(outputs)
}

/// `xtask deploy-web --stack NAME [--dist DIR] [--auth-domain URL] [--basemap-tile-url URL]`,
/// or with `--bucket` and `--distribution-id` (and `--web-client-id`, `--auth-domain`) instead
/// of `--stack`.
pub async fn run(flag: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    let aws =
        shared::aws::Aws::from_env(shared::aws::Budget::of(shared::aws::BudgetKind::Tool)).await?;
    let dist = PathBuf::from(flag("--dist").unwrap_or_else(|| "web/dist".to_owned()));
    let basemap = flag("--basemap-tile-url").filter(|u| !u.is_empty());
    let target = match flag("--stack") {
        Some(stack) => {
            let outputs = stack_outputs(&aws.cloudformation(), &stack).await?;
            Target::from_outputs(&outputs, flag("--auth-domain"), basemap)?
        }
        None => {
            let need = |name: &str| {
                flag(name).with_context(|| format!("{name} is required without --stack"))
            };
            Target {
                bucket: need("--bucket")?,
                distribution_id: need("--distribution-id")?,
                auth_domain: need("--auth-domain")?,
                web_client_id: need("--web-client-id")?,
                basemap_tile_url: basemap,
            }
        }
    };
    let report = sync(&aws.s3(), &target, &dist).await?;
    invalidate(aws.cloudfront(), &target.distribution_id).await?;
    tracing::info!(
        bucket = target.bucket,
        uploaded = report.uploaded.len(),
        deleted = report.deleted.len(),
        invalidated = ?INVALIDATED,
        "web app deployed"
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_immutable_and_entry_points_revalidate() {
        assert_eq!(cache_control("assets/index-3f2a9c1b.js"), IMMUTABLE);
        assert_eq!(cache_control("assets/fonts/inter-ab12.woff2"), IMMUTABLE);
        assert_eq!(cache_control("index.html"), REVALIDATE);
        assert_eq!(cache_control("app-config.json"), REVALIDATE);
        assert_eq!(cache_control("favicon.svg"), REVALIDATE);
        assert_eq!(cache_control("robots.txt"), REVALIDATE);
    }

    #[test]
    fn content_types_follow_extensions() {
        let cases = [
            ("index.html", "text/html; charset=utf-8"),
            ("assets/app-1.js", "text/javascript; charset=utf-8"),
            ("assets/app-1.css", "text/css; charset=utf-8"),
            ("app-config.json", "application/json; charset=utf-8"),
            ("favicon.svg", "image/svg+xml; charset=utf-8"),
            ("assets/a.woff2", "font/woff2"),
            ("assets/a.webp", "image/webp"),
            ("assets/a.png", "image/png"),
            ("assets/blob.unknownext", "application/octet-stream"),
        ];
        for (key, expected) in cases {
            let got = content_type(key);
            // mime_guess names JavaScript text/javascript (RFC 9239) or application/javascript
            // depending on its version; both are served as scripts.
            if key.ends_with(".js") {
                assert!(got.ends_with("javascript; charset=utf-8"), "{key}: {got}");
            } else {
                assert_eq!(got, expected, "{key}");
            }
        }
    }

    fn outputs() -> BTreeMap<String, String> {
        [
            ("WebBucketName", "web-bucket"),
            ("CdnDistributionId", "E123"),
            (
                "AuthDomain",
                "https://craftbean-x.auth.eu-west-1.amazoncognito.com",
            ),
            ("WebClientId", "client123"),
            ("CdnDomainName", "d1.cloudfront.net"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn app_config_is_the_contract_the_web_app_reads() {
        let target = Target::from_outputs(&outputs(), None, None).unwrap();
        assert_eq!(
            target.app_config(),
            json!({
                "apiBase": "/api",
                "auth": {
                    "kind": "cognito",
                    "domain": "https://craftbean-x.auth.eu-west-1.amazoncognito.com",
                    "clientId": "client123",
                    "redirectPath": "/auth/callback",
                    "scopes": ["openid", "email", "profile"],
                },
                "basemapTileUrl": null,
            })
        );
        let with_map = Target::from_outputs(
            &outputs(),
            None,
            Some("https://tiles.example/{z}/{x}/{y}.png".to_owned()),
        )
        .unwrap();
        assert_eq!(
            with_map.app_config()["basemapTileUrl"],
            "https://tiles.example/{z}/{x}/{y}.png"
        );
    }

    #[test]
    fn a_secondary_stack_needs_the_primary_auth_domain() {
        let mut outputs = outputs();
        outputs.insert("AuthDomain".to_owned(), String::new());
        let err = Target::from_outputs(&outputs, None, None).unwrap_err();
        assert!(format!("{err:#}").contains("--auth-domain"), "{err:#}");
        let target =
            Target::from_outputs(&outputs, Some("https://p.auth/".to_owned()), None).unwrap();
        assert_eq!(target.auth_domain, "https://p.auth");
    }

    #[test]
    fn template_declares_every_output_read_here() {
        let text = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"),
        )
        .unwrap();
        let template: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        for name in STACK_OUTPUTS {
            assert!(
                template["Outputs"][name].is_mapping(),
                "template.yaml has no {name} output"
            );
        }
    }

    fn write(root: &Path, key: &str, body: &str) {
        let path = root.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }

    #[test]
    fn entry_points_are_published_last() {
        let dir = tempdir();
        write(&dir, "index.html", "<!doctype html>");
        write(&dir, "app-config.json", "{}");
        write(&dir, "assets/b-2.js", "b");
        write(&dir, "assets/a-1.css", "a");
        write(&dir, "favicon.svg", "<svg/>");
        let keys: Vec<String> = plan(&dir).unwrap().into_iter().map(|u| u.key).collect();
        assert_eq!(
            keys,
            [
                "assets/a-1.css",
                "assets/b-2.js",
                "favicon.svg",
                "app-config.json",
                "index.html"
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_build_without_index_html_is_refused() {
        let dir = tempdir();
        write(&dir, "assets/a.js", "a");
        let err = plan(&dir).unwrap_err();
        assert!(err.to_string().contains("index.html"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempdir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("deploy-web-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// moto's server, started by `make test` (never skipped: without it this fails).
    async fn moto() -> shared::aws::Aws {
        let endpoint = std::env::var("CRAFTBEAN_TEST_AWS_ENDPOINT").expect(
            "CRAFTBEAN_TEST_AWS_ENDPOINT is not set: run `make test` or `eval \"$(scripts/moto.sh)\"`",
        );
        shared::aws::Aws::local(
            shared::aws::Budget::of(shared::aws::BudgetKind::Tool),
            &endpoint,
        )
        .await
    }

    async fn head(s3: &S3, bucket: &str, key: &str) -> (String, String) {
        let out = s3
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        (
            out.content_type().unwrap_or_default().to_owned(),
            out.cache_control().unwrap_or_default().to_owned(),
        )
    }

    async fn read(s3: &S3, bucket: &str, key: &str) -> Vec<u8> {
        let out = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        out.body.collect().await.unwrap().into_bytes().to_vec()
    }

    #[tokio::test]
    async fn sync_over_moto_uploads_with_metadata_and_prunes_stale_files() {
        let aws = moto().await;
        let s3 = aws.s3();
        let bucket = format!("web-{}", uuid::Uuid::new_v4());
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        // A previous deploy left an old bundle and a file the new build dropped.
        for key in ["assets/index-OLD.js", "old-page.html", "index.html"] {
            s3.put_object()
                .bucket(&bucket)
                .key(key)
                .body(ByteStream::from_static(b"old"))
                .send()
                .await
                .unwrap();
        }
        let dist = tempdir();
        write(
            &dist,
            "index.html",
            "<!doctype html><script src=/assets/index-NEW.js>",
        );
        write(&dist, "assets/index-NEW.js", "console.log(1)");
        write(&dist, "assets/style-NEW.css", "body{}");
        write(&dist, "favicon.svg", "<svg/>");
        let target = Target {
            bucket: bucket.clone(),
            distribution_id: "unused".to_owned(),
            auth_domain: "https://p.auth.us-east-1.amazoncognito.com".to_owned(),
            web_client_id: "web-client".to_owned(),
            basemap_tile_url: None,
        };

        let report = sync(&s3, &target, &dist).await.unwrap();

        assert_eq!(
            report.uploaded.last().map(String::as_str),
            Some("index.html")
        );
        assert_eq!(report.uploaded.len(), 5, "{report:?}");
        let mut deleted = report.deleted.clone();
        deleted.sort();
        assert_eq!(deleted, ["assets/index-OLD.js", "old-page.html"]);
        let mut keys = list_keys(&s3, &bucket).await.unwrap();
        keys.sort();
        assert_eq!(
            keys,
            [
                "app-config.json",
                "assets/index-NEW.js",
                "assets/style-NEW.css",
                "favicon.svg",
                "index.html"
            ]
        );
        let (ty, cache) = head(&s3, &bucket, "assets/index-NEW.js").await;
        assert!(ty.ends_with("javascript; charset=utf-8"), "{ty}");
        assert_eq!(cache, IMMUTABLE);
        assert_eq!(
            head(&s3, &bucket, "assets/style-NEW.css").await,
            ("text/css; charset=utf-8".to_owned(), IMMUTABLE.to_owned())
        );
        assert_eq!(
            head(&s3, &bucket, "index.html").await,
            ("text/html; charset=utf-8".to_owned(), REVALIDATE.to_owned())
        );
        assert_eq!(
            head(&s3, &bucket, "app-config.json").await,
            (
                "application/json; charset=utf-8".to_owned(),
                REVALIDATE.to_owned()
            )
        );
        // The uploaded config is the one the stack describes.
        let body = read(&s3, &bucket, "app-config.json").await;
        let config: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(config, target.app_config());
        let index = read(&s3, &bucket, "index.html").await;
        assert!(String::from_utf8_lossy(&index).contains("index-NEW.js"));

        // A second deploy of the same build changes nothing and deletes nothing.
        let again = sync(&s3, &target, &dist).await.unwrap();
        assert!(again.deleted.is_empty(), "{again:?}");
        std::fs::remove_dir_all(&dist).unwrap();
    }

    #[tokio::test]
    async fn the_entry_points_are_invalidated_over_moto() {
        use aws_sdk_cloudfront::types::{
            DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig,
            ViewerProtocolPolicy,
        };
        let aws = moto().await;
        let cloudfront = aws.cloudfront();
        let origin = Origin::builder()
            .id("web")
            .domain_name("web.s3.amazonaws.com")
            .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
            .build()
            .unwrap();
        let config = DistributionConfig::builder()
            .caller_reference(uuid::Uuid::new_v4().to_string())
            .comment("deploy-web test")
            .enabled(true)
            .origins(
                Origins::builder()
                    .quantity(1)
                    .items(origin)
                    .build()
                    .unwrap(),
            )
            .default_cache_behavior(
                DefaultCacheBehavior::builder()
                    .target_origin_id("web")
                    .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let created = cloudfront
            .create_distribution()
            .distribution_config(config)
            .send()
            .await
            .expect("moto creates a distribution");
        let id = created.distribution().unwrap().id().to_owned();

        invalidate(cloudfront.clone(), &id).await.unwrap();

        let listed = cloudfront
            .list_invalidations()
            .distribution_id(&id)
            .send()
            .await
            .unwrap();
        let items = listed
            .invalidation_list()
            .map(|l| l.items().to_vec())
            .unwrap_or_default();
        assert_eq!(items.len(), 1, "one invalidation per deploy");
        let invalidation = cloudfront
            .get_invalidation()
            .distribution_id(&id)
            .id(items[0].id())
            .send()
            .await
            .unwrap();
        let mut paths = invalidation
            .invalidation()
            .unwrap()
            .invalidation_batch()
            .unwrap()
            .paths()
            .unwrap()
            .items()
            .to_vec();
        paths.sort();
        assert_eq!(paths, ["/app-config.json", "/index.html"]);
    }
}
