//! Validates real responses against `infra/openapi.yaml`: the schema of the documented response
//! for (path template, method, status) is compiled with the document's components beside it.

use std::sync::OnceLock;

use serde_json::{Value, json};

fn load(file: &str) -> Value {
    let path = crate::repo_root().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{file} parses: {e}"))
}

/// The OpenAPI document as JSON.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| load("infra/openapi.yaml"))
}

/// The partner API's OpenAPI document (infra/partner-openapi.yaml) as JSON.
pub fn partner_document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| load("infra/partner-openapi.yaml"))
}

/// Asserts that `body` matches the documented response of `method path` with `status`.
pub fn assert_response(path: &str, method: &str, status: u16, content_type: &str, body: &Value) {
    assert_in(document(), path, method, status, content_type, body);
}

/// As [`assert_response`], against the partner API's document.
pub fn assert_partner_response(
    path: &str,
    method: &str,
    status: u16,
    content_type: &str,
    body: &Value,
) {
    assert_in(partner_document(), path, method, status, content_type, body);
}

/// Asserts that a reply from the local server's partner API is documented in
/// infra/partner-openapi.yaml for `method template`, headers included, and returns it.
pub fn partner_documented(reply: crate::Reply, method: &str, template: &str) -> crate::Reply {
    assert_partner_documented(&reply, method, template);
    reply
}

/// As [`partner_documented`], for a borrowed reply.
pub fn assert_partner_documented(reply: &crate::Reply, method: &str, template: &str) {
    let content_type = reply
        .header("content-type")
        .unwrap_or("application/json")
        .to_owned();
    assert_partner_response(template, method, reply.status, &content_type, &reply.body);
    let doc = partner_document();
    let mut response =
        &doc["paths"][template][method.to_lowercase()]["responses"][reply.status.to_string()];
    if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
        response = resolve(doc, reference);
    }
    for (name, header) in response["headers"].as_object().into_iter().flatten() {
        let header = match header.get("$ref").and_then(Value::as_str) {
            Some(reference) => resolve(doc, reference),
            None => header,
        };
        let value = reply
            .header(&name.to_lowercase())
            .unwrap_or_else(|| panic!("{method} {template} {}: no {name}", reply.status));
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "allOf": [header["schema"].clone()],
        });
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        assert!(
            validator.is_valid(&Value::String(value.to_owned())),
            "{method} {template} {}: {name}: {value:?} violates partner-openapi.yaml",
            reply.status
        );
    }
}

fn assert_in(doc: &Value, path: &str, method: &str, status: u16, content_type: &str, body: &Value) {
    let response = &doc["paths"][path][method.to_lowercase()]["responses"][status.to_string()];
    assert!(
        !response.is_null(),
        "the OpenAPI document has no {status} for {method} {path}"
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
