//! Kill the local server with SIGKILL in the middle of a stream of review writes, restart it on
//! the same data directory, and check that every write acknowledged with a 2xx is still there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const JWT_SECRET: &str = "durability-test-secret-0123456789abcdef";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_local-server"))
        .env("PORT", port.to_string())
        .env("CRAFTBEAN_DATA_DIR", dir)
        .env("CRAFTBEAN_JWT_SECRET", JWT_SECRET)
        .env("CRAFTBEAN_WRITE_LIMIT_REVIEWS", "1000000/h")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the local server")
}

async fn wait_until_up(client: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{base}/brewing-methods")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the local server did not come up");
}

fn token(sub: &str) -> String {
    let exp = jiff::Timestamp::now().as_second() + 3600;
    shared::jwt::sign(
        &shared::jwt::Claims {
            sub: sub.to_owned(),
            exp,
        },
        JWT_SECRET.as_bytes(),
    )
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start(dir.path(), port);
    wait_until_up(&client, &base).await;
    let cafe = shared::demo::catalog().unwrap().cafes[0].id.to_string();

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..4 {
        let (client, base, cafe, acknowledged) = (
            client.clone(),
            base.clone(),
            cafe.clone(),
            Arc::clone(&acknowledged),
        );
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let body = serde_json::json!({ "rating": (i % 5) + 1, "text": "Durability check: a review written under load." });
                let sent = client
                    .post(format!("{base}/cafes/{cafe}/reviews"))
                    .bearer_auth(token(&format!("writer-{w}-{i}")))
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        let json: serde_json::Value = match r.json().await {
                            Ok(json) => json,
                            Err(_) => return, // killed while sending the body: not acknowledged
                        };
                        acknowledged.lock().unwrap().push(json["id"].as_str().unwrap().to_owned());
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Let writes flow, then kill without warning.
    while acknowledged.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let mut server = start(dir.path(), port);
    wait_until_up(&client, &base).await;
    let mut stored = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/cafes/{cafe}/reviews?limit=100&cursor={c}"),
            None => format!("{base}/cafes/{cafe}/reviews?limit=100"),
        };
        let page: serde_json::Value = client.get(url).send().await.unwrap().json().await.unwrap();
        stored.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let profile: serde_json::Value = client
        .get(format!("{base}/cafes/{cafe}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();

    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged reviews lost: {missing:?}",
        missing.len()
    );
    assert_eq!(
        profile["rating"]["count"].as_u64().unwrap() as usize,
        stored.len(),
        "summary matches stored reviews"
    );
}
