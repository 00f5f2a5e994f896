//! The route table, template.yaml, infra/openapi.yaml and the local server agree on the set of
//! (method, path) pairs, and every function in template.yaml is a crate in functions/.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use serde_yaml::Value;
use shared::http::ROUTES;

fn template() -> Value {
    let text = std::fs::read_to_string(tests::repo_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// The route table as served: every route, plus `HEAD` on every `GET` path (answered by the GET
/// function without a body; a `HEAD` route event in template.yaml, a `head` operation in OpenAPI).
fn table_routes() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .flat_map(|r| {
            let head = (r.method == "GET").then(|| ("HEAD".to_owned(), r.path.to_owned()));
            std::iter::once((r.method.to_owned(), r.path.to_owned())).chain(head)
        })
        .collect()
}

/// (method, path) of every HttpApi event in the template, except the `$default` catch-all.
fn template_routes() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let resources = template()["Resources"].as_mapping().unwrap().clone();
    for (_, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let path = event["Properties"]["Path"].as_str().unwrap().to_owned();
            let method = event["Properties"]["Method"]
                .as_str()
                .unwrap()
                .to_uppercase();
            if path != "$default" {
                out.insert((method, path));
            }
        }
    }
    out
}

fn openapi_routes() -> BTreeSet<(String, String)> {
    let doc = tests::openapi::document();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "head", "put", "post", "delete", "patch", "options"] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn template_and_openapi_hold_exactly_the_route_table() {
    assert_eq!(
        template_routes(),
        table_routes(),
        "template.yaml vs shared::http::ROUTES"
    );
    assert_eq!(
        openapi_routes(),
        table_routes(),
        "infra/openapi.yaml vs shared::http::ROUTES"
    );
}

#[test]
fn every_routed_function_is_a_crate_with_its_own_lambda() {
    let template = template();
    for route in ROUTES {
        let dir = tests::repo_root().join("functions").join(route.function);
        assert!(
            dir.join("src/main.rs").exists(),
            "{} has no crate",
            route.function
        );
        let logical_id: String = route
            .function
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<String>()
            + "Function";
        let function = &template["Resources"][logical_id.as_str()];
        assert_eq!(
            function["Type"].as_str(),
            Some("AWS::Serverless::Function"),
            "{logical_id} missing"
        );
        assert_eq!(
            function["Properties"]["CodeUri"].as_str(),
            Some(format!("functions/{}", route.function).as_str()),
            "{logical_id} CodeUri"
        );
    }
}

/// The local server answers every route with its function, not the `$default` fallback; `HEAD`
/// on every `GET` route too, with the GET's status and no body.
#[tokio::test]
async fn local_server_mounts_every_route() {
    let app = tests::spawn_app().await;
    let catalog = shared::demo::catalog().unwrap();
    let heads: Vec<shared::http::RouteSpec> = ROUTES
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| shared::http::RouteSpec {
            method: "HEAD",
            ..*r
        })
        .collect();
    for route in ROUTES.iter().chain(&heads) {
        let path = route
            .path
            .replace("{cafeId}", catalog.cafes[0].id.as_str())
            .replace("{roasterId}", catalog.roasters[0].id.as_str())
            .replace("{artisanId}", catalog.artisans[0].id.as_str())
            .replace("{slug}", catalog.brewing_methods[0].slug.as_str())
            .replace("{reviewId}", "rev_0000000000000000")
            .replace("{storyId}", "sty_0000000000000000")
            .replace("{photoId}", "pho_0000000000000000")
            .replace("{partnerId}", "ptn_0000000000000000")
            .replace("{userId}", catalog.people.users[0].id.as_str());
        // Nearby search needs a position (at the first demo café).
        let path = if route.function == "nearby-cafes" {
            let at = catalog.cafes[0].location.coordinates;
            format!("{path}?lat={}&lng={}", at.lat(), at.lng())
        } else {
            path
        };
        // Authenticated routes get a valid token, so what answers is the route's own function
        // (a missing dispatch arm would answer 404 `route-not-found`), not the 401 the local
        // authorizer gives before dispatch.
        let bearer = format!("Bearer {}", tests::token("routes-test"));
        let headers: Vec<(&str, &str)> = if route.auth {
            vec![("authorization", bearer.as_str())]
        } else {
            vec![]
        };
        let reply = app.request(route.method, &path, &headers).await;
        if route.method == "HEAD" {
            assert_eq!(
                reply.body,
                serde_json::Value::Null,
                "HEAD {path} has no body"
            );
            let get = app.request("GET", &path, &headers).await;
            assert_eq!(reply.status, get.status, "HEAD {path} answers like GET");
            assert_eq!(
                reply.header("content-type"),
                get.header("content-type"),
                "HEAD {path}"
            );
            continue;
        }
        let kind = reply.body["type"].as_str().unwrap_or_default();
        assert!(
            !kind.ends_with("/route-not-found") && !kind.ends_with("/method-not-allowed"),
            "{} {path} is not mounted: {}",
            route.method,
            reply.body
        );
        // Reads of seeded entities answer 200 and reads of ids no seed data has 404, each from
        // the route's own function; authenticated calls without a body get the function's own
        // 2xx/4xx answer, never the authorizer's 401 and never a 5xx.
        if route.auth {
            assert!(
                reply.status != 401 && reply.status < 500,
                "{} {path}: {} {}",
                route.method,
                reply.status,
                reply.body
            );
        } else {
            let expected = if path.ends_with("_0000000000000000") {
                404
            } else {
                200
            };
            assert_eq!(
                reply.status, expected,
                "{} {path}: {}",
                route.method, reply.body
            );
        }
    }
}

/// (method, path) of every event on the partner REST API (`Type: Api`, `RestApiId: PartnerApi`).
fn partner_template_routes() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let resources = template()["Resources"].as_mapping().unwrap().clone();
    for (_, resource) in resources {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            if event["Type"].as_str() != Some("Api") {
                continue;
            }
            let props = &event["Properties"];
            let on_partner_api = match &props["RestApiId"] {
                Value::Tagged(t) => t.tag == "!Ref" && t.value.as_str() == Some("PartnerApi"),
                _ => false,
            };
            assert!(
                on_partner_api,
                "an Api event off the partner API: {props:?}"
            );
            out.insert((
                props["Method"].as_str().unwrap().to_uppercase(),
                props["Path"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}

/// The partner API states its routes three times: `PARTNER_ROUTES`, the REST API's events in
/// template.yaml and infra/partner-openapi.yaml. They hold the same (method, path) pairs (GET
/// only: the partner API serves no HEAD), each under `/partner/v1/`, every operation needs the
/// key, and each route is its own function crate.
#[test]
fn the_partner_template_and_openapi_hold_exactly_the_partner_route_table() {
    use shared::http::partner::PARTNER_ROUTES;
    let table: BTreeSet<(String, String)> = PARTNER_ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert!(table.iter().all(|(_, p)| p.starts_with("/partner/v1/")));
    assert_eq!(
        partner_template_routes(),
        table,
        "template.yaml PartnerApi events vs PARTNER_ROUTES"
    );
    let doc = tests::openapi::partner_document();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "head", "put", "post", "delete", "patch", "options"] {
            if let Some(op) = item.get(method) {
                documented.insert((method.to_uppercase(), path.clone()));
                assert!(
                    op.get("security").is_none(),
                    "{method} {path} overrides the document's x-api-key security"
                );
                for status in ["200", "401", "403", "429"] {
                    assert!(
                        !op["responses"][status].is_null(),
                        "{method} {path} documents no {status}"
                    );
                }
            }
        }
    }
    assert_eq!(
        documented, table,
        "infra/partner-openapi.yaml vs PARTNER_ROUTES"
    );
    let scheme = &doc["components"]["securitySchemes"]["ApiKey"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], shared::http::partner::API_KEY_HEADER);
    assert_eq!(doc["security"][0]["ApiKey"], serde_json::json!([]));
    for route in PARTNER_ROUTES {
        assert!(
            tests::repo_root()
                .join("functions")
                .join(route.function)
                .join("src/main.rs")
                .exists(),
            "{} has no crate",
            route.function
        );
    }
}
