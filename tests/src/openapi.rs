//! Validates real responses against `infra/openapi.yaml`: the schema of the documented response
//! for (path template, method, status) is compiled with the document's components beside it.

use std::sync::OnceLock;

use serde_json::{Value, json};

/// The OpenAPI document as JSON.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = crate::repo_root().join("infra/openapi.yaml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_yaml::from_str(&text).expect("openapi.yaml parses")
    })
}

/// Asserts that `body` matches the documented response of `method path` with `status`.
pub fn assert_response(path: &str, method: &str, status: u16, content_type: &str, body: &Value) {
    let doc = document();
    let response = &doc["paths"][path][method.to_lowercase()]["responses"][status.to_string()];
    assert!(
        !response.is_null(),
        "openapi.yaml documents no {status} for {method} {path}"
    );
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(reference) => resolve(doc, reference),
        None => response,
    };
    let media = content_type
        .split(';')
        .next()
        .unwrap_or(content_type)
        .trim();
    let schema = &response["content"][media]["schema"];
    assert!(
        !schema.is_null(),
        "openapi.yaml has no {media} schema for {status} {method} {path}"
    );
    let wrapper = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"].clone(),
        "allOf": [schema.clone()],
    });
    let validator = jsonschema::validator_for(&wrapper).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} violates openapi.yaml:\n{}\nbody: {body}",
        errors.join("\n")
    );
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').expect("local $ref");
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("dangling $ref {reference}"))
}

/// Asserts that a reply from the local server is documented for `method template`, and returns
/// it. 304 and 204 carry no body, so only their status is checked (by the caller).
pub fn documented(reply: crate::Reply, method: &str, template: &str) -> crate::Reply {
    let content_type = reply
        .header("content-type")
        .unwrap_or("application/json")
        .to_owned();
    if reply.status != 304 && reply.status != 204 {
        assert_response(template, method, reply.status, &content_type, &reply.body);
    }
    reply
}
