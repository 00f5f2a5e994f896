//! Writes API Gateway HTTP API (payload 2.0) event fixtures, one or more per function, using
//! ids from the demo catalogue so the fixtures resolve against a seeded store.
//! The shape follows `sam local generate-event apigateway http-api-proxy`.

use std::path::Path;

use anyhow::Context;
use serde_json::{Value, json};
use shared::store::keys;

/// One fixture: file stem, route key, method, concrete path, query string, path parameters.
struct Fixture {
    file: &'static str,
    route_key: &'static str,
    method: &'static str,
    path: String,
    query: &'static str,
    path_params: Vec<(&'static str, String)>,
    /// The JWT authorizer's `sub` claim, for write routes.
    sub: Option<&'static str>,
    body: Option<Value>,
}

/// A photo id the fixtures use (no seed data has it, so `get-photo` answers 404 on the demo
/// store until a photo with this id exists).
const FIXTURE_PHOTO: &str = "pho_0000000000000fix";

fn event(f: &Fixture) -> Value {
    let mut query_params = serde_json::Map::new();
    for pair in f.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        // API Gateway joins repeated parameters with commas in this field.
        let joined = match query_params.get(k).and_then(Value::as_str) {
            Some(prev) => format!("{prev},{v}"),
            None => v.to_owned(),
        };
        query_params.insert(k.to_owned(), Value::String(joined));
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": f.route_key,
        "rawPath": f.path,
        "rawQueryString": f.query,
        "headers": {
            "accept": "application/json",
            "host": "api.craftbean.example",
            "user-agent": "CraftBean-iOS/1.0",
            "x-forwarded-proto": "https"
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "craftbean",
            "domainName": "api.craftbean.example",
            "domainPrefix": "api",
            "http": {
                "method": f.method,
                "path": f.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "CraftBean-iOS/1.0"
            },
            "requestId": format!("fixture-{}", f.file),
            "routeKey": f.route_key,
            "stage": "$default",
            "time": "23/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1_795_428_000_000u64
        },
        "isBase64Encoded": false
    });
    if !query_params.is_empty() {
        event["queryStringParameters"] = Value::Object(query_params);
    }
    if let Some(sub) = f.sub {
        event["requestContext"]["authorizer"] =
            json!({ "jwt": { "claims": { "sub": sub }, "scopes": null } });
        event["headers"]["authorization"] =
            Value::String("Bearer <verified by API Gateway>".to_owned());
    }
    if let Some(body) = &f.body {
        event["body"] = Value::String(body.to_string());
        event["headers"]["content-type"] = Value::String("application/json".to_owned());
        event["headers"]["idempotency-key"] = Value::String(format!("fixture-{}", f.file));
    }
    if !f.path_params.is_empty() {
        let params: serde_json::Map<String, Value> = f
            .path_params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
            .collect();
        event["pathParameters"] = Value::Object(params);
    }
    event
}

/// The user the write fixtures are signed in as.
pub const FIXTURE_USER: &str = "fixture-user";
/// The partner the consent fixtures name (the handler tests create it).
pub const FIXTURE_PARTNER: &str = "ptn_0000000000000001";
/// The review the update and delete fixtures address (handler tests create it first).
pub const FIXTURE_REVIEW: &str = "rev_0000000000000001";

/// The story the get-story fixture addresses (handler tests create it first).
pub const FIXTURE_STORY: &str = "sty_0000000000000001";

/// Regenerates every fixture under `dir`.
pub fn write_all(dir: &Path) -> anyhow::Result<()> {
    let catalog = shared::demo::catalog().context("building the demo catalogue")?;
    let cafe = catalog
        .cafes
        .first()
        .context("demo catalogue has no cafés")?;
    let roaster = catalog
        .roasters
        .first()
        .context("demo catalogue has no roasters")?;
    let artisan = catalog
        .artisans
        .first()
        .context("demo catalogue has no artisans")?;
    let method = catalog
        .brewing_methods
        .first()
        .context("demo catalogue has no methods")?;
    let person = catalog
        .people
        .users
        .first()
        .context("demo data has no users")?;
    let review = catalog
        .people
        .reviews
        .first()
        .context("demo data has no reviews")?;
    let fixtures = vec![
        Fixture {
            file: "list-cafes",
            route_key: "GET /cafes",
            method: "GET",
            path: "/cafes".into(),
            query: "city=Tokyo&sort=name&limit=5",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "list-cafes-invalid",
            route_key: "GET /cafes",
            method: "GET",
            path: "/cafes".into(),
            query: "limit=0&sort=best&amenity=jacuzzi",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "nearby-cafes",
            route_key: "GET /cafes/nearby",
            method: "GET",
            path: "/cafes/nearby".into(),
            query: "lat=35.6812&lng=139.7671&radiusM=3000&limit=5&at=2026-11-23T01:00:00Z",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "nearby-cafes-invalid",
            route_key: "GET /cafes/nearby",
            method: "GET",
            path: "/cafes/nearby".into(),
            query: "lat=91&lng=NaN&radiusM=60000&limit=0",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "get-cafe",
            route_key: "GET /cafes/{cafeId}",
            method: "GET",
            path: format!("/cafes/{}", cafe.id),
            query: "",
            path_params: vec![("cafeId", cafe.id.to_string())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "get-cafe-unknown",
            route_key: "GET /cafes/{cafeId}",
            method: "GET",
            path: "/cafes/caf_0000000000000000".into(),
            query: "",
            path_params: vec![("cafeId", "caf_0000000000000000".into())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "list-roasters",
            route_key: "GET /roasters",
            method: "GET",
            path: "/roasters".into(),
            query: "limit=10",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "get-roaster",
            route_key: "GET /roasters/{roasterId}",
            method: "GET",
            path: format!("/roasters/{}", roaster.id),
            query: "",
            path_params: vec![("roasterId", roaster.id.to_string())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "get-artisan",
            route_key: "GET /artisans/{artisanId}",
            method: "GET",
            path: format!("/artisans/{}", artisan.id),
            query: "",
            path_params: vec![("artisanId", artisan.id.to_string())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "list-artisans",
            route_key: "GET /artisans",
            method: "GET",
            path: "/artisans".into(),
            query: "limit=5",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "list-cities",
            route_key: "GET /cities",
            method: "GET",
            path: "/cities".into(),
            query: "",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "health",
            route_key: "GET /health",
            method: "GET",
            path: "/health".into(),
            query: "",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "list-brewing-methods",
            route_key: "GET /brewing-methods",
            method: "GET",
            path: "/brewing-methods".into(),
            query: "",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "get-brewing-method",
            route_key: "GET /brewing-methods/{slug}",
            method: "GET",
            path: format!("/brewing-methods/{}", method.slug),
            query: "",
            path_params: vec![("slug", method.slug.to_string())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "route-not-found",
            route_key: "$default",
            method: "GET",
            path: "/teapots".into(),
            query: "",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "route-not-found-method",
            route_key: "$default",
            method: "DELETE",
            path: "/cafes".into(),
            query: "",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "create-review",
            route_key: "POST /cafes/{cafeId}/reviews",
            method: "POST",
            path: format!("/cafes/{}/reviews", cafe.id),
            query: "",
            path_params: vec![("cafeId", cafe.id.to_string())],
            sub: Some(FIXTURE_USER),
            body: Some(
                json!({ "rating": 5, "text": "Stunning washed Gesha on V60, and the barista explained every step.", "brewingMethod": "v60", "visitedOn": "2026-11-01" }),
            ),
        },
        Fixture {
            file: "create-review-invalid",
            route_key: "POST /cafes/{cafeId}/reviews",
            method: "POST",
            path: format!("/cafes/{}/reviews", cafe.id),
            query: "",
            path_params: vec![("cafeId", cafe.id.to_string())],
            sub: Some(FIXTURE_USER),
            body: Some(json!({ "rating": 9, "text": "meh", "mood": "grumpy" })),
        },
        Fixture {
            file: "list-reviews",
            route_key: "GET /cafes/{cafeId}/reviews",
            method: "GET",
            path: format!("/cafes/{}/reviews", cafe.id),
            query: "limit=10",
            path_params: vec![("cafeId", cafe.id.to_string())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "update-review",
            route_key: "PUT /reviews/{reviewId}",
            method: "PUT",
            path: format!("/reviews/{FIXTURE_REVIEW}"),
            query: "",
            path_params: vec![("reviewId", FIXTURE_REVIEW.to_owned())],
            sub: Some(FIXTURE_USER),
            body: Some(
                json!({ "rating": 3, "text": "Second visit: still good, but the pastry case was empty by ten." }),
            ),
        },
        Fixture {
            file: "delete-review",
            route_key: "DELETE /reviews/{reviewId}",
            method: "DELETE",
            path: format!("/reviews/{FIXTURE_REVIEW}"),
            query: "",
            path_params: vec![("reviewId", FIXTURE_REVIEW.to_owned())],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "create-story",
            route_key: "POST /stories",
            method: "POST",
            path: "/stories".into(),
            query: "",
            path_params: vec![],
            sub: Some(FIXTURE_USER),
            body: Some(
                json!({ "title": "A frosty morning flat white", "body": "Walked in out of the sleet and the barista pulled a syrupy shot of a washed Huila.\nPerfect.", "tags": ["espresso", "winter"], "cafeIds": [cafe.id.to_string()] }),
            ),
        },
        Fixture {
            file: "list-stories",
            route_key: "GET /stories",
            method: "GET",
            path: "/stories".into(),
            query: "tag=winter&limit=5",
            path_params: vec![],
            sub: None,
            body: None,
        },
        Fixture {
            file: "get-story",
            route_key: "GET /stories/{storyId}",
            method: "GET",
            path: format!("/stories/{FIXTURE_STORY}"),
            query: "",
            path_params: vec![("storyId", FIXTURE_STORY.to_owned())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "create-photo",
            route_key: "POST /cafes/{cafeId}/photos",
            method: "POST",
            path: format!("/cafes/{}/photos", cafe.id),
            query: "",
            path_params: vec![("cafeId", cafe.id.to_string())],
            sub: Some(FIXTURE_USER),
            body: Some(
                json!({ "contentType": "image/jpeg", "contentLength": 2_345_678, "caption": "The bar at opening time" }),
            ),
        },
        Fixture {
            file: "create-photo-invalid",
            route_key: "POST /cafes/{cafeId}/photos",
            method: "POST",
            path: format!("/cafes/{}/photos", cafe.id),
            query: "",
            path_params: vec![("cafeId", cafe.id.to_string())],
            sub: Some(FIXTURE_USER),
            body: Some(json!({ "contentType": "image/gif", "contentLength": 99_000_000 })),
        },
        Fixture {
            file: "get-photo",
            route_key: "GET /photos/{photoId}",
            method: "GET",
            path: format!("/photos/{FIXTURE_PHOTO}"),
            query: "",
            path_params: vec![("photoId", FIXTURE_PHOTO.to_owned())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "delete-photo",
            route_key: "DELETE /photos/{photoId}",
            method: "DELETE",
            path: format!("/photos/{FIXTURE_PHOTO}"),
            query: "",
            path_params: vec![("photoId", FIXTURE_PHOTO.to_owned())],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "create-upload-form",
            route_key: "POST /photos/{photoId}/upload-form",
            method: "POST",
            path: format!("/photos/{FIXTURE_PHOTO}/upload-form"),
            query: "",
            path_params: vec![("photoId", FIXTURE_PHOTO.to_owned())],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "list-cafe-photos",
            route_key: "GET /cafes/{cafeId}/photos",
            method: "GET",
            path: format!("/cafes/{}/photos", cafe.id),
            query: "limit=10",
            path_params: vec![("cafeId", cafe.id.to_string())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "get-me",
            route_key: "GET /me",
            method: "GET",
            path: "/me".into(),
            query: "",
            path_params: vec![],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "my-nearby-cafes",
            route_key: "GET /me/nearby-cafes",
            method: "GET",
            path: "/me/nearby-cafes".into(),
            query: "lat=35.6812&lng=139.7671&radiusM=3000&limit=5&at=2026-11-23T01:00:00Z",
            path_params: vec![],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "get-my-experiments",
            route_key: "GET /me/experiments",
            method: "GET",
            path: "/me/experiments".into(),
            query: "",
            path_params: vec![],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "update-me",
            route_key: "PUT /me",
            method: "PUT",
            path: "/me".into(),
            query: "",
            path_params: vec![],
            sub: Some(FIXTURE_USER),
            body: Some(
                json!({ "displayName": "Fixture Fan", "bio": "Filter in the morning,\nespresso after lunch.", "homeCity": "Lisbon" }),
            ),
        },
        Fixture {
            file: "get-user",
            route_key: "GET /users/{userId}",
            method: "GET",
            path: format!("/users/{}", person.id),
            query: "",
            path_params: vec![("userId", person.id.to_string())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "list-user-reviews",
            route_key: "GET /users/{userId}/reviews",
            method: "GET",
            path: format!("/users/{}/reviews", person.id),
            query: "limit=5",
            path_params: vec![("userId", person.id.to_string())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "save-cafe",
            route_key: "PUT /me/saved-cafes/{cafeId}",
            method: "PUT",
            path: format!("/me/saved-cafes/{}", cafe.id),
            query: "",
            path_params: vec![("cafeId", cafe.id.to_string())],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "unsave-cafe",
            route_key: "DELETE /me/saved-cafes/{cafeId}",
            method: "DELETE",
            path: format!("/me/saved-cafes/{}", cafe.id),
            query: "",
            path_params: vec![("cafeId", cafe.id.to_string())],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "grant-consent",
            route_key: "PUT /me/partners/{partnerId}",
            method: "PUT",
            path: format!("/me/partners/{}", FIXTURE_PARTNER),
            query: "",
            path_params: vec![("partnerId", FIXTURE_PARTNER.to_owned())],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "withdraw-consent",
            route_key: "DELETE /me/partners/{partnerId}",
            method: "DELETE",
            path: format!("/me/partners/{}", FIXTURE_PARTNER),
            query: "",
            path_params: vec![("partnerId", FIXTURE_PARTNER.to_owned())],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "list-saved-cafes",
            route_key: "GET /me/saved-cafes",
            method: "GET",
            path: "/me/saved-cafes".into(),
            query: "limit=5",
            path_params: vec![],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "get-review",
            route_key: "GET /reviews/{reviewId}",
            method: "GET",
            path: format!("/reviews/{}", review.id),
            query: "",
            path_params: vec![("reviewId", review.id.to_string())],
            sub: None,
            body: None,
        },
        Fixture {
            file: "update-story",
            route_key: "PUT /stories/{storyId}",
            method: "PUT",
            path: format!("/stories/{FIXTURE_STORY}"),
            query: "",
            path_params: vec![("storyId", FIXTURE_STORY.to_owned())],
            sub: Some(FIXTURE_USER),
            body: Some(
                json!({ "title": "A frosty morning flat white, revisited", "body": "Went back a week later: same syrupy Huila, new latte art.", "tags": ["espresso"], "cafeIds": [cafe.id.to_string()] }),
            ),
        },
        Fixture {
            file: "delete-story",
            route_key: "DELETE /stories/{storyId}",
            method: "DELETE",
            path: format!("/stories/{FIXTURE_STORY}"),
            query: "",
            path_params: vec![("storyId", FIXTURE_STORY.to_owned())],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "delete-me",
            route_key: "DELETE /me",
            method: "DELETE",
            path: "/me".into(),
            query: "",
            path_params: vec![],
            sub: Some(FIXTURE_USER),
            body: None,
        },
        Fixture {
            file: "export-me",
            route_key: "GET /me/export",
            method: "GET",
            path: "/me/export".into(),
            query: "",
            path_params: vec![],
            sub: Some(FIXTURE_USER),
            body: None,
        },
    ];
    std::fs::create_dir_all(dir)?;
    // What SQS hands resize-image: one S3 ObjectCreated notification for a photo upload.
    let notification = json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1",
        "eventTime": "2026-11-23T08:30:00.000Z", "eventName": "ObjectCreated:Post",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "photo-uploads",
               "bucket": {"name": "craftbean-dev-uploads", "arn": "arn:aws:s3:::craftbean-dev-uploads"},
               "object": {"key": format!("uploads/{FIXTURE_PHOTO}"), "size": 2_345_678, "sequencer": "0065A1B2C3D4E5F6"}}
    }]});
    let sqs = json!({"Records": [{
        "messageId": "0f6b7c1e-5a39-4b1e-9c57-2f1d8a4e6b10",
        "receiptHandle": "fixture-receipt-handle",
        "body": notification.to_string(),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795422600000",
                       "SenderId": "AIDAFIXTURE", "ApproximateFirstReceiveTimestamp": "1795422600100"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:craftbean-dev-photos",
        "awsRegion": "eu-west-1"
    }]});
    let path = dir.join("resize-image.json");
    let mut text = serde_json::to_string_pretty(&sqs)?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    // What EventBridge sends sweep-photos every 5 minutes (`sam local generate-event
    // cloudwatch scheduled-event`).
    let scheduled = json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-23T10:00:00Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/craftbean-dev-sweep-photos"],
        "detail": {}
    });
    let path = dir.join("sweep-photos.json");
    let mut text = serde_json::to_string_pretty(&scheduled)?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    // The same kind of event for refresh-recommendations, every six hours.
    let mut reco = scheduled.clone();
    reco["id"] = json!("0f5b8e41-2c7d-4a8e-9b61-3e2f6d1c7a90");
    reco["resources"] =
        json!(["arn:aws:events:eu-west-1:123456789012:rule/craftbean-dev-refresh-recommendations"]);
    let path = dir.join("refresh-recommendations.json");
    let mut text = serde_json::to_string_pretty(&reco)?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    // What the table's stream hands refresh-ratings (the shape of `sam local generate-event
    // dynamodb update`, NEW_AND_OLD_IMAGES): this region's shard of the first demo café changed
    // twice, another region's shard of the second café replicated in, and a reviewer marker (which
    // the mapping's filter keeps out; the handler skips it if one gets through).
    let second = catalog
        .cafes
        .get(1)
        .context("demo catalogue has fewer than two cafés")?;
    let (first, second) = (keys::ratings_pk(&cafe.id), keys::ratings_pk(&second.id));
    let (here, there) = (keys::shard_sk("eu-west-1"), keys::shard_sk("us-east-1"));
    let marker = keys::reviewer_sk(&person.id);
    let stream = json!({"Records": [
        stream_record(1, "MODIFY", &first, &here, Some((3, 11)), Some((3, 10))),
        stream_record(2, "INSERT", &second, &there, Some((0, 1)), None),
        stream_record(3, "INSERT", &first, &marker, None, None),
        stream_record(4, "MODIFY", &first, &here, Some((2, 11)), Some((3, 11))),
    ]});
    let path = dir.join("refresh-ratings.json");
    let mut text = serde_json::to_string_pretty(&stream)?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    for f in &fixtures {
        let path = dir.join(format!("{}.json", f.file));
        let mut text = serde_json::to_string_pretty(&event(f))?;
        text.push('\n');
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// One DynamoDB stream record of an item in a café's ratings partition. A shard's images carry
/// its counters as `(h4, h5)`; a marker's new image holds the review id.
fn stream_record(
    n: u64,
    name: &str,
    pk: &str,
    sk: &str,
    new: Option<(i64, i64)>,
    old: Option<(i64, i64)>,
) -> Value {
    let keys = json!({"PK": {"S": pk}, "SK": {"S": sk}});
    let image = |counters: Option<(i64, i64)>| match counters {
        Some((h4, h5)) => json!({"PK": {"S": pk}, "SK": {"S": sk},
                                 "h4": {"N": h4.to_string()}, "h5": {"N": h5.to_string()}}),
        None => json!({"PK": {"S": pk}, "SK": {"S": sk}, "doc": {"S": "rev_0000000000000001"}}),
    };
    let mut change = json!({
        "ApproximateCreationDateTime": 1_795_428_000 + n,
        "Keys": keys,
        "NewImage": image(new),
        "SequenceNumber": format!("{}", 4_421_584_500_000_000_000_000_000u128 + u128::from(n)),
        "SizeBytes": 112,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    });
    if old.is_some() {
        change["OldImage"] = image(old);
    }
    json!({
        "eventID": format!("c4ca4238a0b923820dcc509a6f75849{n}"),
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "dynamodb": change,
        "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/craftbean-dev-catalog/stream/2026-11-01T00:00:00.000"
    })
}
