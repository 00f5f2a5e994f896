//! The local server serving the web app beside the API, over the wire: files from the web
//! directory with their cache policy, deep links answered with `index.html` only for page
//! loads, the API again under `/api`, `/app-config.json`, and the development sign-in whose
//! token the API accepts.

use tests::TestApp;

/// A built app in a temporary directory: `index.html` and one hashed asset.
fn web_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>CraftBean</title><div id=app></div>",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(
        dir.path().join("assets/index-3f9a1c2b.js"),
        "console.log('craftbean');".repeat(200),
    )
    .unwrap();
    dir
}

async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app.client.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        app.url(path),
    );
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

const PAGE: (&str, &str) = ("accept", "text/html,application/xhtml+xml,*/*;q=0.8");

#[tokio::test]
async fn files_deep_links_and_the_api_share_one_origin() {
    let dir = web_dir();
    let app = tests::spawn_app_with_web_dir(dir.path()).await;

    // The app's entry point, revalidated on every load.
    let index = raw(&app, "GET", "/", &[PAGE]).await;
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["cache-control"], "no-cache");
    assert!(
        index.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(index.text().await.unwrap().contains("<div id=app>"));

    // Hashed assets are immutable for a year, gzip when asked for.
    let asset = raw(
        &app,
        "GET",
        "/assets/index-3f9a1c2b.js",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(asset.headers()["content-encoding"], "gzip");
    let head = raw(&app, "HEAD", "/assets/index-3f9a1c2b.js", &[]).await;
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );

    // A deep link reloaded in the browser gets the app, which routes it.
    for path in [
        "/cafe/caf_0000000000000000",
        "/guide/v60",
        "/saved",
        "/auth/callback?code=x&state=y",
    ] {
        let page = raw(&app, "GET", path, &[PAGE]).await;
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(page.headers()["cache-control"], "no-cache", "{path}");
        assert!(
            page.text().await.unwrap().contains("<div id=app>"),
            "{path}"
        );
    }

    // Not a page load, or not a read, or under /api: the API's route-not-found problem.
    for (method, path, headers) in [
        (
            "GET",
            "/cafe/caf_0000000000000000",
            vec![("accept", "application/json")],
        ),
        ("GET", "/assets/missing.js", vec![]),
        ("POST", "/cafe/caf_0000000000000000", vec![PAGE]),
        ("GET", "/api/cafe/caf_0000000000000000", vec![PAGE]),
        ("GET", "/api", vec![PAGE]),
        ("GET", "/", vec![]),
    ] {
        let reply = app.request(method, path, &headers).await;
        assert_eq!(reply.status, 404, "{method} {path}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{method} {path}"
        );
        assert!(
            reply.body["type"]
                .as_str()
                .unwrap()
                .ends_with("/route-not-found"),
            "{method} {path}: {}",
            reply.body
        );
    }

    // API routes win over files and pages at the root, and are served again under /api.
    let root = app.request("GET", "/cafes?limit=2", &[PAGE]).await;
    assert_eq!(root.status, 200);
    let prefixed = app.request("GET", "/api/cafes?limit=2", &[PAGE]).await;
    assert_eq!(prefixed.status, 200);
    assert_eq!(prefixed.body["items"], root.body["items"]);
    let id = root.body["items"][0]["id"].as_str().unwrap().to_owned();
    let cafe = app.get(&format!("/api/cafes/{id}")).await;
    assert_eq!(cafe.status, 200);
    assert_eq!(cafe.body["id"], id.as_str());
}

#[tokio::test]
async fn the_local_app_config_names_the_api_prefix_and_dev_sign_in() {
    let dir = web_dir();
    let app = tests::spawn_app_with_web_dir(dir.path()).await;
    let config = app.get("/app-config.json").await;
    assert_eq!(config.status, 200);
    assert_eq!(config.header("cache-control"), Some("no-cache"));
    assert_eq!(
        config.body,
        serde_json::json!({"apiBase": "/api", "auth": {"kind": "dev"}, "basemapTileUrl": null})
    );
}

#[tokio::test]
async fn a_dev_sign_in_token_is_accepted_by_the_api_and_bad_input_is_a_problem() {
    let dir = web_dir();
    let app = tests::spawn_app_with_web_dir(dir.path()).await;
    let signed = app
        .send_json(
            "POST",
            "/_dev/sign-in",
            &[],
            &serde_json::json!({"sub": "web-dev-ana"}),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(signed.header("cache-control"), Some("no-store"));
    assert_eq!(signed.body["tokenType"], "Bearer");
    assert!(signed.body["expiresIn"].as_i64().unwrap() > 0);
    let token = signed.body["accessToken"].as_str().unwrap();
    let bearer = format!("Bearer {token}");
    let me = app
        .request("GET", "/api/me", &[("authorization", bearer.as_str())])
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["id"], tests::public_id("web-dev-ana").as_str());

    for (body, why) in [
        (serde_json::json!({}), "no sub"),
        (serde_json::json!({"sub": ""}), "empty sub"),
        (serde_json::json!({"sub": "two words"}), "a space"),
        (serde_json::json!({"sub": 42}), "not a string"),
        (
            serde_json::json!({"sub": "ana", "admin": true}),
            "an unknown field",
        ),
        (serde_json::json!(["ana"]), "not an object"),
    ] {
        let reply = app.send_json("POST", "/_dev/sign-in", &[], &body).await;
        assert_eq!(reply.status, 400, "{why}: {}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{why}"
        );
    }
    // The sign-in is no API route: not under /api, and never answered for other methods.
    let prefixed = app
        .send_json(
            "POST",
            "/api/_dev/sign-in",
            &[],
            &serde_json::json!({"sub": "ana"}),
        )
        .await;
    assert_eq!(prefixed.status, 404);
    let get = app.get("/_dev/sign-in").await;
    assert_eq!(get.status, 404);
    assert!(
        get.body["type"]
            .as_str()
            .unwrap()
            .ends_with("/route-not-found")
    );
}

/// The development sign-in is the local server's alone: no route of the table, template or
/// contract mentions it, so no AWS build can serve it.
#[test]
fn the_dev_sign_in_is_in_no_route_table_template_or_contract() {
    let root = tests::repo_root();
    for file in [
        "template.yaml",
        "infra/openapi.yaml",
        "shared/src/http/routes.rs",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            !text.contains("_dev"),
            "{file} mentions the development sign-in"
        );
    }
    assert!(
        shared::http::ROUTES
            .iter()
            .all(|r| !r.path.starts_with("/_dev") && !r.path.starts_with("/api")),
        "the route table holds a local-only path"
    );
}
