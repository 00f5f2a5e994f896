//! API compatibility between two OpenAPI documents (docs/api-evolution.md): everything a client
//! built against the older document relies on must still hold in the newer one, and
//! `info.version` must move by the rule.
//!
//! Requests and responses are judged in opposite directions. A response may gain properties but
//! not lose one, nor make a required one optional, nor change a property's type set (narrowing
//! breaks the contract; widening, such as adding `null`, breaks old decoders). A request may
//! accept more but not less: no parameter or body property may disappear or become required,
//! no type may narrow and no accepted enum value may go. Schemas are walked through `$ref`,
//! `allOf`/`oneOf`/`anyOf`, `items` and `properties`; each (old, new) pair of schemas that
//! mentions a `$ref` is compared once, so `$ref` cycles end and a change inside a shared
//! component is reported once.
//!
//! Not checked (left to review, see the policy): new values in response enums, `pattern`,
//! length and range constraints, `additionalProperties`, and changes of meaning.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::{Map, Value};

/// The HTTP methods an OpenAPI path item may hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One broken promise: where in the older document it was made, and what happened to it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// JSON-pointer-like location in the older document, following schemas as if every `$ref`
    /// were inlined (e.g. `/paths/~1cafes/get/responses/200/content/application~1json/schema/properties/items`).
    pub location: String,
    /// What changed, for people.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A semantic version `MAJOR.MINOR.PATCH` (no pre-release or build suffix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// The next minor version (`1.2.3` → `1.3.0`).
    pub fn next_minor(self) -> Self {
        Self {
            major: self.major,
            minor: self.minor + 1,
            patch: 0,
        }
    }
}

impl FromStr for Version {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('.').collect();
        let number = |p: &str| -> Result<u64, String> {
            let digits = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            if !digits || (p.len() > 1 && p.starts_with('0')) {
                return Err(format!("`{s}` is not a MAJOR.MINOR.PATCH version"));
            }
            p.parse()
                .map_err(|_| format!("`{s}` is not a MAJOR.MINOR.PATCH version"))
        };
        match parts.as_slice() {
            [major, minor, patch] => Ok(Self {
                major: number(major)?,
                minor: number(minor)?,
                patch: number(patch)?,
            }),
            _ => Err(format!("`{s}` is not a MAJOR.MINOR.PATCH version")),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// `info.version` of a document.
pub fn version_of(doc: &Value) -> Result<Version, String> {
    doc["info"]["version"]
        .as_str()
        .ok_or_else(|| "info.version is missing or not a string".to_owned())?
        .parse()
}

/// The released documents in `dir` (`openapi-MAJOR.MINOR.PATCH.yaml`), oldest first. Other
/// files (the README) are ignored.
pub fn baselines(dir: &Path) -> std::io::Result<Vec<(Version, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let version = name
            .strip_prefix("openapi-")
            .and_then(|n| n.strip_suffix(".yaml"))
            .and_then(|v| v.parse::<Version>().ok());
        if let Some(version) = version {
            out.push((version, path));
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a YAML (or JSON) OpenAPI document.
pub fn load(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    serde_yaml::from_str(&text).map_err(|e| anyhow::anyhow!("parsing {}: {e}", path.display()))
}

/// Every way `new` breaks a client of `old`, plus every breach of the version rule. Empty when
/// `new` may replace `old`.
pub fn check(old: &Value, new: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    let versions = match (version_of(old), version_of(new)) {
        (Ok(o), Ok(n)) => Some((o, n)),
        (Err(e), _) => {
            out.push(violation("/info/version", format!("old document: {e}")));
            None
        }
        (_, Err(e)) => {
            out.push(violation("/info/version", e));
            None
        }
    };
    let mut new_base_path = false;
    if let Some((old_v, new_v)) = versions {
        if new_v < old_v {
            out.push(violation(
                "/info/version",
                format!("went down from {old_v} to {new_v}"),
            ));
        } else if without_version(old) != without_version(new) {
            if new_v == old_v {
                out.push(violation(
                    "/info/version",
                    format!(
                        "the document changed since release {old_v} but info.version is still \
                         {new_v}: bump it (additive change: {}; documentation only: patch)",
                        old_v.next_minor()
                    ),
                ));
            } else if new_v.major == old_v.major
                && new_v.minor == old_v.minor
                && strip_docs(&without_version(old), false)
                    != strip_docs(&without_version(new), false)
            {
                out.push(violation(
                    "/info/version",
                    format!(
                        "{new_v} is a patch bump but more than documentation changed since \
                         {old_v}: use {}",
                        old_v.next_minor()
                    ),
                ));
            }
        }
        if new_v.major > old_v.major {
            match moved_under_new_prefix(old, new, new_v.major) {
                Ok(()) => new_base_path = true,
                Err(v) => out.extend(v),
            }
        }
    }
    // A new major version is a new contract at a new base path: the old one is judged by
    // whether it is still served, not by this document.
    if !new_base_path {
        let mut walk = Walk {
            old,
            new,
            out: Vec::new(),
            seen: HashSet::new(),
        };
        walk.paths();
        out.extend(walk.out);
    }
    out
}

fn violation(location: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation {
        location: location.into(),
        message: message.into(),
    }
}

/// A major bump is only allowed when every path moved under `/v<major>/`, a prefix the old
/// document did not use.
fn moved_under_new_prefix(old: &Value, new: &Value, major: u64) -> Result<(), Vec<Violation>> {
    let prefix = format!("/v{major}/");
    let mut out = Vec::new();
    for path in keys(&new["paths"]) {
        if !path.starts_with(&prefix) {
            out.push(violation(
                pointer(&["paths", path]),
                format!(
                    "info.version has a new major version {major}, so every path must move \
                     under `{prefix}`; this one did not"
                ),
            ));
        }
    }
    for path in keys(&old["paths"]) {
        if path.starts_with(&prefix) {
            out.push(violation(
                pointer(&["paths", path]),
                format!("`{prefix}` was already used before major version {major}"),
            ));
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

fn keys(map: &Value) -> impl Iterator<Item = &String> {
    map.as_object().into_iter().flat_map(Map::keys)
}

/// The document without `info.version`, to tell whether anything else changed.
fn without_version(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(info) = doc.get_mut("info").and_then(Value::as_object_mut) {
        info.remove("version");
    }
    doc
}

/// A value without prose (string `description`/`summary`, `example(s)`, `externalDocs`): what
/// is left is the contract. Keys of a `properties` map are property
/// names, never keywords, so they are kept.
fn strip_docs(value: &Value, in_properties: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| {
                    in_properties
                        || !(matches!(k.as_str(), "example" | "examples" | "externalDocs")
                            || (matches!(k.as_str(), "description" | "summary") && v.is_string()))
                })
                .map(|(k, v)| {
                    (
                        k.clone(),
                        strip_docs(v, !in_properties && k == "properties"),
                    )
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| strip_docs(v, false)).collect()),
        other => other.clone(),
    }
}

/// RFC 6901 pointer from segments.
fn pointer(segments: &[&str]) -> String {
    segments
        .iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Follows local `$ref`s (at most 32 hops, so a reference loop cannot hang).
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => value = target,
                None => return &Value::Null,
            },
            None => return value,
        }
    }
    &Value::Null
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Side {
    /// The server writes it, the client reads it.
    Response,
    /// The client writes it, the server reads it.
    Request,
}

struct Walk<'a> {
    old: &'a Value,
    new: &'a Value,
    out: Vec<Violation>,
    /// (side, old schema, new schema) pairs that mention a `$ref`, already compared.
    seen: HashSet<(Side, String, String)>,
}

impl Walk<'_> {
    fn push(&mut self, location: String, message: String) {
        self.out.push(violation(location, message));
    }

    fn paths(&mut self) {
        let (old, new) = (self.old, self.new);
        let Some(old_paths) = old["paths"].as_object() else {
            return;
        };
        for (path, old_item) in old_paths {
            let location = pointer(&["paths", path]);
            let Some(new_item) = new["paths"].get(path) else {
                self.push(location, format!("path `{path}` removed"));
                continue;
            };
            let (old_item, new_item) = (resolve(old, old_item), resolve(new, new_item));
            for method in METHODS {
                let Some(old_op) = old_item.get(method) else {
                    continue;
                };
                let location = format!("{location}{}", pointer(&[method]));
                let name = format!("{} {path}", method.to_uppercase());
                match new_item.get(method) {
                    None => self.push(location, format!("operation `{name}` removed")),
                    Some(new_op) => {
                        self.operation(&location, (old_item, old_op), (new_item, new_op));
                    }
                }
            }
        }
    }

    fn operation(&mut self, location: &str, old: (&Value, &Value), new: (&Value, &Value)) {
        let old_params = parameters(self.old, old.0, old.1);
        let new_params = parameters(self.new, new.0, new.1);
        for ((place, name), old_param) in &old_params {
            let at = format!("{location}{}", pointer(&["parameters", place, name]));
            let Some(new_param) = new_params.get(&(place.clone(), name.clone())) else {
                self.push(at, format!("{place} parameter `{name}` removed"));
                continue;
            };
            if !is_true(&old_param["required"]) && is_true(&new_param["required"]) {
                self.push(
                    at.clone(),
                    format!("{place} parameter `{name}` became required"),
                );
            }
            if let (Some(o), Some(n)) = (old_param.get("schema"), new_param.get("schema")) {
                self.schema(Side::Request, &format!("{at}/schema"), o, n);
            }
        }
        self.request_body(location, &old.1["requestBody"], &new.1["requestBody"]);
        self.responses(location, &old.1["responses"], &new.1["responses"]);
    }

    fn request_body(&mut self, location: &str, old: &Value, new: &Value) {
        let at = format!("{location}/requestBody");
        let (old, new) = (resolve(self.old, old), resolve(self.new, new));
        match (old.is_object(), new.is_object()) {
            (false, true) if is_true(&new["required"]) => {
                self.push(at, "a request body became required".to_owned());
            }
            (true, false) => self.push(at, "the request body was removed".to_owned()),
            (true, true) => {
                if !is_true(&old["required"]) && is_true(&new["required"]) {
                    self.push(at.clone(), "the request body became required".to_owned());
                }
                for (media, old_media) in old["content"].as_object().into_iter().flatten() {
                    let media_at = format!("{at}{}", pointer(&["content", media]));
                    match new["content"].get(media) {
                        None => self.push(media_at, format!("`{media}` bodies no longer accepted")),
                        Some(new_media) => {
                            if let (Some(o), Some(n)) =
                                (old_media.get("schema"), new_media.get("schema"))
                            {
                                self.schema(Side::Request, &format!("{media_at}/schema"), o, n);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn responses(&mut self, location: &str, old: &Value, new: &Value) {
        for (status, old_response) in old.as_object().into_iter().flatten() {
            let at = format!("{location}{}", pointer(&["responses", status]));
            let Some(new_response) = new.get(status) else {
                self.push(at, format!("response status {status} removed"));
                continue;
            };
            let old_response = resolve(self.old, old_response);
            let new_response = resolve(self.new, new_response);
            let new_headers: BTreeSet<String> = keys(&new_response["headers"])
                .map(|h| h.to_ascii_lowercase())
                .collect();
            for header in keys(&old_response["headers"]) {
                if !new_headers.contains(&header.to_ascii_lowercase()) {
                    self.push(
                        format!("{at}{}", pointer(&["headers", header])),
                        format!("response header `{header}` removed"),
                    );
                }
            }
            for (media, old_media) in old_response["content"].as_object().into_iter().flatten() {
                let media_at = format!("{at}{}", pointer(&["content", media]));
                match new_response["content"].get(media) {
                    None => self.push(media_at, format!("the `{media}` body of {status} removed")),
                    Some(new_media) => {
                        if let (Some(o), Some(n)) =
                            (old_media.get("schema"), new_media.get("schema"))
                        {
                            self.schema(Side::Response, &format!("{media_at}/schema"), o, n);
                        }
                    }
                }
            }
        }
    }

    fn schema(&mut self, side: Side, location: &str, old: &Value, new: &Value) {
        // Only pairs that reach components can recur (a `$ref` cycle) or be shared; those are
        // compared once. Inline schemas are finite trees, and each place is reported.
        let (old_text, new_text) = (old.to_string(), new.to_string());
        if (old_text.contains("\"$ref\"") || new_text.contains("\"$ref\""))
            && !self.seen.insert((side, old_text, new_text))
        {
            return;
        }
        let o = flatten(self.old, old, None, &mut Vec::new());
        let n = flatten(self.new, new, None, &mut Vec::new());
        let described =
            |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(" | ");
        if let (Some(ot), Some(nt)) = (&o.types, &n.types) {
            match side {
                Side::Response if ot != nt => {
                    let how = if covers(nt, ot) {
                        "widened (old clients cannot decode the new values)"
                    } else {
                        "narrowed"
                    };
                    self.push(
                        location.to_owned(),
                        format!("response type {how}: {} → {}", described(ot), described(nt)),
                    );
                }
                Side::Request if !covers(nt, ot) => self.push(
                    location.to_owned(),
                    format!(
                        "request type narrowed: {} → {}",
                        described(ot),
                        described(nt)
                    ),
                ),
                _ => {}
            }
        }
        if side == Side::Request
            && let Some(nv) = &n.values
        {
            let listed = |vs: &[Value]| {
                vs.iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            match &o.values {
                Some(ov) => {
                    let lost: Vec<Value> = ov.iter().filter(|v| !nv.contains(v)).cloned().collect();
                    if !lost.is_empty() {
                        self.push(
                            location.to_owned(),
                            format!("request value no longer accepted: {}", listed(&lost)),
                        );
                    }
                }
                None => self.push(
                    location.to_owned(),
                    format!(
                        "request values restricted to {} (any was accepted)",
                        listed(nv)
                    ),
                ),
            }
        }
        for (name, (old_prop, origin)) in &o.properties {
            let at = format!("{location}{}", pointer(&["properties", name]));
            let declared = origin
                .as_deref()
                .map(|r| format!(" (declared in {r})"))
                .unwrap_or_default();
            let Some((new_prop, _)) = n.properties.get(name) else {
                let what = match side {
                    Side::Response => "response",
                    Side::Request => "request",
                };
                self.push(at, format!("{what} property `{name}` removed{declared}"));
                continue;
            };
            if side == Side::Response && o.required.contains(name) && !n.required.contains(name) {
                self.push(
                    at.clone(),
                    format!("response property `{name}` is no longer required{declared}"),
                );
            }
            self.schema(side, &at, old_prop, new_prop);
        }
        if side == Side::Request {
            for name in n.required.difference(&o.required) {
                let at = format!("{location}{}", pointer(&["properties", name]));
                let was = if o.properties.contains_key(name) {
                    "optional request property"
                } else {
                    "new request property"
                };
                self.push(at, format!("{was} `{name}` is required"));
            }
        }
        if let (Some(oi), Some(ni)) = (&o.items, &n.items) {
            self.schema(side, &format!("{location}/items"), oi, ni);
        }
    }
}

fn is_true(value: &Value) -> bool {
    value.as_bool() == Some(true)
}

/// The parameters of an operation keyed by (`in`, name), path-level ones overridden by the
/// operation's; header names are case-insensitive.
fn parameters<'a>(
    doc: &'a Value,
    item: &'a Value,
    op: &'a Value,
) -> BTreeMap<(String, String), &'a Value> {
    let mut out = BTreeMap::new();
    for list in [&item["parameters"], &op["parameters"]] {
        for param in list.as_array().into_iter().flatten() {
            let param = resolve(doc, param);
            let (Some(place), Some(name)) = (param["in"].as_str(), param["name"].as_str()) else {
                continue;
            };
            let name = if place == "header" {
                name.to_ascii_lowercase()
            } else {
                name.to_owned()
            };
            out.insert((place.to_owned(), name), param);
        }
    }
    out
}

/// What a schema says about the JSON it describes, with `$ref`, `allOf`, `anyOf` and `oneOf`
/// folded in.
#[derive(Default)]
struct Flat {
    /// Property name → its schema and the `$ref` of the schema that declared it.
    properties: BTreeMap<String, (Value, Option<String>)>,
    required: BTreeSet<String>,
    items: Option<Value>,
    /// JSON types; `None` when unconstrained.
    types: Option<BTreeSet<String>>,
    /// `enum`/`const` values; `None` when unconstrained.
    values: Option<Vec<Value>>,
}

fn flatten(doc: &Value, schema: &Value, origin: Option<&str>, refs: &mut Vec<String>) -> Flat {
    let mut all = Vec::new();
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        // A reference already being expanded is a cycle: it adds nothing new here.
        if !refs.iter().any(|seen| seen == r)
            && let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p))
        {
            refs.push(r.to_owned());
            all.push(flatten(doc, target, Some(r), refs));
            refs.pop();
        }
    }
    let mut own = Flat::default();
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        own.properties
            .insert(name.clone(), (prop.clone(), origin.map(str::to_owned)));
    }
    own.required = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    own.items = schema.get("items").filter(|i| i.is_object()).cloned();
    own.types = match &schema["type"] {
        Value::String(t) => Some(BTreeSet::from([t.clone()])),
        Value::Array(ts) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    };
    own.values = match (schema.get("const"), schema["enum"].as_array()) {
        (Some(c), _) => Some(vec![c.clone()]),
        (None, Some(values)) => Some(values.clone()),
        (None, None) => None,
    };
    all.push(own);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        all.push(flatten(doc, part, origin, refs));
    }
    for keyword in ["anyOf", "oneOf"] {
        if let Some(branches) = schema[keyword].as_array() {
            let branches = branches
                .iter()
                .map(|b| flatten(doc, b, origin, refs))
                .collect();
            all.push(any_of(branches));
        }
    }
    all_of(all)
}

/// Whether `wider` admits every JSON type in `narrower` (`number` admits `integer`).
fn covers(wider: &BTreeSet<String>, narrower: &BTreeSet<String>) -> bool {
    narrower
        .iter()
        .all(|t| wider.contains(t) || (t == "integer" && wider.contains("number")))
}

/// Every part holds.
fn all_of(parts: Vec<Flat>) -> Flat {
    let mut out = Flat::default();
    for part in parts {
        for (name, (schema, origin)) in part.properties {
            match out.properties.remove(&name) {
                None => {
                    out.properties.insert(name, (schema, origin));
                }
                Some((first, first_origin)) => {
                    let both = serde_json::json!({ "allOf": [first, schema] });
                    out.properties.insert(name, (both, first_origin.or(origin)));
                }
            }
        }
        out.required.extend(part.required);
        out.items = match (out.items.take(), part.items) {
            (Some(a), Some(b)) => Some(serde_json::json!({ "allOf": [a, b] })),
            (a, b) => a.or(b),
        };
        out.types = match (out.types.take(), part.types) {
            (Some(a), Some(b)) => Some(
                a.iter()
                    .filter(|t| covers(&b, &BTreeSet::from([(*t).clone()])))
                    .chain(
                        b.iter()
                            .filter(|t| covers(&a, &BTreeSet::from([(*t).clone()]))),
                    )
                    .cloned()
                    .collect(),
            ),
            (a, b) => a.or(b),
        };
        out.values = match (out.values.take(), part.values) {
            (Some(a), Some(b)) => Some(a.into_iter().filter(|v| b.contains(v)).collect()),
            (a, b) => a.or(b),
        };
    }
    out
}

/// At least one branch holds. A property is required only if every branch that can be an
/// object requires it (a `null` branch of a nullable object does not make its fields optional).
fn any_of(branches: Vec<Flat>) -> Flat {
    let can_be = |b: &Flat, t: &str| b.types.as_ref().is_none_or(|ts| ts.contains(t));
    let mut out = Flat::default();
    let mut required: Option<BTreeSet<String>> = None;
    let mut all_typed = true;
    let mut all_valued = true;
    let mut types = BTreeSet::new();
    let mut values = Vec::new();
    for branch in branches {
        if can_be(&branch, "object") {
            required = Some(match required {
                None => branch.required.clone(),
                Some(r) => r.intersection(&branch.required).cloned().collect(),
            });
        }
        for (name, (schema, origin)) in branch.properties {
            match out.properties.remove(&name) {
                None => {
                    out.properties.insert(name, (schema, origin));
                }
                Some((first, first_origin)) => {
                    let either = serde_json::json!({ "anyOf": [first, schema] });
                    out.properties
                        .insert(name, (either, first_origin.or(origin)));
                }
            }
        }
        out.items = match (out.items.take(), branch.items) {
            (Some(a), Some(b)) => Some(serde_json::json!({ "anyOf": [a, b] })),
            (a, b) => a.or(b),
        };
        match branch.types {
            Some(t) => types.extend(t),
            None => all_typed = false,
        }
        match branch.values {
            Some(v) => values.extend(v),
            None => all_valued = false,
        }
    }
    out.required = required.unwrap_or_default();
    out.types = all_typed.then_some(types);
    out.values = all_valued.then_some(values);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A small released document: a list with a `$ref`/`allOf` item schema, a self-referencing
    /// `Review` (a `$ref` cycle), and a write with a closed request body.
    fn released() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1.2.0"},
            "paths": {
                "/cafes": {"get": {
                    "description": "Cafés.",
                    "parameters": [
                        {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer"}},
                        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["name", "rating"]}},
                        {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "A page.",
                            "headers": {"ETag": {"schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}
                        },
                        "400": {"description": "Bad.", "content": {"application/problem+json": {"schema": {"type": "object"}}}}
                    }
                }},
                "/reviews/{reviewId}": {
                    "parameters": [{"name": "reviewId", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "get": {"responses": {"200": {"description": "A review.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Review"}}}}}},
                    "put": {
                        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReviewInput"}}}},
                        "responses": {"200": {"description": "Edited.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Review"}}}}}
                    }
                }
            },
            "components": {"schemas": {
                "Page": {"type": "object", "required": ["items", "nextCursor"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Cafe"}},
                    "nextCursor": {"type": ["string", "null"]}
                }},
                "Cafe": {"allOf": [
                    {"$ref": "#/components/schemas/Named"},
                    {"type": "object", "required": ["rating"], "properties": {"rating": {"type": "number"}}}
                ]},
                "Named": {"type": "object", "required": ["id", "name"], "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"}
                }},
                "Review": {"type": "object", "required": ["id", "text", "brewingMethod"], "properties": {
                    "id": {"type": "string"},
                    "text": {"type": "string"},
                    "brewingMethod": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "replies": {"type": "array", "items": {"$ref": "#/components/schemas/Review"}}
                }},
                "ReviewInput": {"type": "object", "additionalProperties": false, "required": ["rating"], "properties": {
                    "rating": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
                    "text": {"type": "string"}
                }}
            }}
        })
    }

    /// The released document changed by `change`, at the next minor version.
    fn changed(change: impl FnOnce(&mut Value)) -> Value {
        let mut doc = released();
        change(&mut doc);
        doc["info"]["version"] = json!("1.3.0");
        doc
    }

    fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Map<String, Value> {
        doc.pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .unwrap_or_else(|| panic!("no object at {pointer}"))
    }

    /// Asserts that `new` has exactly one violation, at `location`, whose message contains
    /// `needle`.
    fn assert_one(new: &Value, location: &str, needle: &str) {
        let found = check(&released(), new);
        assert_eq!(found.len(), 1, "expected one violation, got {found:#?}");
        assert_eq!(found[0].location, location, "{}", found[0]);
        assert!(found[0].message.contains(needle), "{}", found[0]);
    }

    const PAGE: &str = "/paths/~1cafes/get/responses/200/content/application~1json/schema";

    #[test]
    fn an_unchanged_document_passes_and_terminates_on_its_ref_cycle() {
        assert_eq!(check(&released(), &released()), vec![]);
    }

    #[test]
    fn additive_changes_pass() {
        let new = changed(|d| {
            at(d, "/paths").insert(
                "/roasters".into(),
                json!({"get": {"responses": {"200": {"description": "ok"}}}}),
            );
            at(d, "/paths/~1reviews~1{reviewId}").insert(
                "delete".into(),
                json!({"responses": {"204": {"description": "gone"}}}),
            );
            d["paths"]["/cafes"]["get"]["parameters"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "city", "in": "query", "schema": {"type": "string"}}));
            at(d, "/paths/~1cafes/get/responses")
                .insert("503".into(), json!({"description": "busy"}));
            at(d, "/components/schemas/Named/properties")
                .insert("photo".into(), json!({"type": ["string", "null"]}));
            at(d, "/components/schemas/ReviewInput/properties")
                .insert("visitedOn".into(), json!({"type": "string"}));
            d["components"]["schemas"]["ReviewInput"]["properties"]["text"]["type"] =
                json!(["string", "null"]);
            d["components"]["schemas"]["ReviewInput"]["properties"]["rating"]["enum"] =
                json!([0, 1, 2, 3, 4, 5]);
            d["paths"]["/cafes"]["get"]["parameters"][1]["schema"]["enum"] =
                json!(["name", "rating", "newest"]);
            d["paths"]["/cafes"]["get"]["parameters"][0]["schema"]["type"] = json!("number");
            d["paths"]["/cafes"]["get"]["parameters"][2]["name"] = json!("if-none-match");
        });
        assert_eq!(check(&released(), &new), vec![]);
    }

    /// A change to the released document, where it is reported, and what the message says.
    type Case = (fn(&mut Value), &'static str, &'static str);

    #[test]
    fn each_breaking_change_is_one_violation_named_at_its_location() {
        let cases: Vec<Case> = vec![
            (
                |d| drop(at(d, "/paths").remove("/cafes")),
                "/paths/~1cafes",
                "path `/cafes` removed",
            ),
            (
                |d| drop(at(d, "/paths/~1reviews~1{reviewId}").remove("put")),
                "/paths/~1reviews~1{reviewId}/put",
                "operation `PUT /reviews/{reviewId}` removed",
            ),
            (
                |d| {
                    drop(
                        d["paths"]["/cafes"]["get"]["parameters"]
                            .as_array_mut()
                            .unwrap()
                            .remove(0),
                    )
                },
                "/paths/~1cafes/get/parameters/query/limit",
                "query parameter `limit` removed",
            ),
            (
                |d| d["paths"]["/cafes"]["get"]["parameters"][1]["required"] = json!(true),
                "/paths/~1cafes/get/parameters/query/sort",
                "query parameter `sort` became required",
            ),
            (
                |d| {
                    d["paths"]["/cafes"]["get"]["parameters"][1]["schema"]["enum"] = json!(["name"])
                },
                "/paths/~1cafes/get/parameters/query/sort/schema",
                "request value no longer accepted: \"rating\"",
            ),
            (
                |d| {
                    d["paths"]["/cafes"]["get"]["parameters"][0]["schema"]["type"] = json!("string")
                },
                "/paths/~1cafes/get/parameters/query/limit/schema",
                "request type narrowed: integer → string",
            ),
            (
                |d| drop(at(d, "/paths/~1cafes/get/responses").remove("400")),
                "/paths/~1cafes/get/responses/400",
                "response status 400 removed",
            ),
            (
                |d| drop(at(d, "/paths/~1cafes/get/responses/200").remove("headers")),
                "/paths/~1cafes/get/responses/200/headers/ETag",
                "response header `ETag` removed",
            ),
            (
                |d| {
                    let content = at(d, "/paths/~1cafes/get/responses/400/content");
                    let body = content.remove("application/problem+json").unwrap();
                    content.insert("application/json".into(), body);
                },
                "/paths/~1cafes/get/responses/400/content/application~1problem+json",
                "the `application/problem+json` body of 400 removed",
            ),
            (
                |d| d["components"]["schemas"]["Page"]["required"] = json!(["items"]),
                "/paths/~1cafes/get/responses/200/content/application~1json/schema/properties/nextCursor",
                "response property `nextCursor` is no longer required (declared in #/components/schemas/Page)",
            ),
            (
                |d| {
                    d["components"]["schemas"]["Page"]["properties"]["nextCursor"]["type"] =
                        json!("string")
                },
                "/paths/~1cafes/get/responses/200/content/application~1json/schema/properties/nextCursor",
                "response type narrowed: null | string → string",
            ),
            (
                |d| {
                    d["components"]["schemas"]["Named"]["properties"]["id"]["type"] =
                        json!(["string", "null"])
                },
                "/paths/~1cafes/get/responses/200/content/application~1json/schema/properties/items/items/properties/id",
                "response type widened (old clients cannot decode the new values): string → null | string",
            ),
            (
                |d| {
                    d["components"]["schemas"]["ReviewInput"]["required"] =
                        json!(["rating", "text"])
                },
                "/paths/~1reviews~1{reviewId}/put/requestBody/content/application~1json/schema/properties/text",
                "optional request property `text` is required",
            ),
            (
                |d| {
                    at(d, "/components/schemas/ReviewInput/properties")
                        .insert("visitedOn".into(), json!({"type": "string"}));
                    d["components"]["schemas"]["ReviewInput"]["required"] =
                        json!(["rating", "visitedOn"]);
                },
                "/paths/~1reviews~1{reviewId}/put/requestBody/content/application~1json/schema/properties/visitedOn",
                "new request property `visitedOn` is required",
            ),
            (
                |d| drop(at(d, "/components/schemas/ReviewInput/properties").remove("text")),
                "/paths/~1reviews~1{reviewId}/put/requestBody/content/application~1json/schema/properties/text",
                "request property `text` removed (declared in #/components/schemas/ReviewInput)",
            ),
            (
                |d| {
                    d["components"]["schemas"]["ReviewInput"]["properties"]["rating"]["enum"] =
                        json!([1, 2, 3, 4])
                },
                "/paths/~1reviews~1{reviewId}/put/requestBody/content/application~1json/schema/properties/rating",
                "request value no longer accepted: 5",
            ),
            (
                |d| {
                    d["paths"]["/cafes"]["get"]["requestBody"] =
                        json!({"required": true, "content": {}})
                },
                "/paths/~1cafes/get/requestBody",
                "a request body became required",
            ),
            (
                |d| drop(at(d, "/paths/~1reviews~1{reviewId}/put").remove("requestBody")),
                "/paths/~1reviews~1{reviewId}/put/requestBody",
                "the request body was removed",
            ),
        ];
        for (change, location, message) in cases {
            let found = check(&released(), &changed(change));
            assert_eq!(
                found,
                [violation(location, message)],
                "expected exactly `{location}: {message}`"
            );
        }
    }

    #[test]
    fn a_path_level_parameter_moved_onto_each_operation_is_kept() {
        let new = changed(|d| {
            let param = at(d, "/paths/~1reviews~1{reviewId}")
                .remove("parameters")
                .unwrap();
            d["paths"]["/reviews/{reviewId}"]["get"]["parameters"] = param.clone();
            d["paths"]["/reviews/{reviewId}"]["put"]["parameters"] = param;
        });
        assert_eq!(check(&released(), &new), vec![]);
    }

    #[test]
    fn any_of_with_null_is_the_same_type_set_as_a_type_list() {
        let new = changed(|d| {
            d["components"]["schemas"]["Review"]["properties"]["brewingMethod"] =
                json!({"type": ["null", "string"]});
        });
        assert_eq!(check(&released(), &new), vec![]);
    }

    #[test]
    fn a_response_property_removed_through_ref_all_of_and_items_is_named() {
        let new = changed(|d| {
            at(d, "/components/schemas/Named/properties").remove("name");
        });
        // Still listed in `required` (a dangling name): the removal is the one violation.
        let found = check(&released(), &new);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].location,
            format!("{PAGE}/properties/items/items/properties/name")
        );
        assert_eq!(
            found[0].message,
            "response property `name` removed (declared in #/components/schemas/Named)"
        );
        // Through a oneOf branch as well (making the item nullable is a second violation).
        let new = changed(|d| {
            let cafe = d["components"]["schemas"]["Cafe"].take();
            d["components"]["schemas"]["Cafe"] = json!({"oneOf": [cafe, {"type": "null"}]});
            at(d, "/components/schemas/Cafe/oneOf/0/allOf/1/properties").remove("rating");
        });
        let found: Vec<String> = check(&released(), &new)
            .iter()
            .map(Violation::to_string)
            .collect();
        assert_eq!(
            found,
            [
                format!(
                    "{PAGE}/properties/items/items: response type widened (old clients cannot \
                     decode the new values): object → null | object"
                ),
                format!(
                    "{PAGE}/properties/items/items/properties/rating: response property \
                     `rating` removed (declared in #/components/schemas/Cafe)"
                ),
            ]
        );
    }

    #[test]
    fn a_change_inside_a_ref_cycle_is_found_once() {
        let new = changed(|d| {
            at(d, "/components/schemas/Review/properties").remove("text");
        });
        let found = check(&released(), &new);
        // Reached from GET and from PUT, inside the cycle too: reported once.
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].location,
            "/paths/~1reviews~1{reviewId}/get/responses/200/content/application~1json/schema/properties/text"
        );
    }

    #[test]
    fn versions_parse_strictly_and_order_numerically() {
        assert_eq!(
            "0.10.2".parse::<Version>().unwrap(),
            Version {
                major: 0,
                minor: 10,
                patch: 2
            }
        );
        assert!("0.9.0".parse::<Version>().unwrap() < "0.10.0".parse::<Version>().unwrap());
        for bad in ["1.2", "1.2.3.4", "v1.2.3", "01.2.3", "1.2.3-rc1", ""] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_changed_document_needs_a_bump() {
        let mut new = changed(|d| {
            at(d, "/paths/~1cafes/get/responses")
                .insert("503".into(), json!({"description": "busy"}));
        });
        new["info"]["version"] = json!("1.2.0");
        assert_one(&new, "/info/version", "bump it (additive change: 1.3.0");
        new["info"]["version"] = json!("1.2.1");
        assert_one(
            &new,
            "/info/version",
            "patch bump but more than documentation changed",
        );
        new["info"]["version"] = json!("1.1.9");
        assert_one(&new, "/info/version", "went down from 1.2.0 to 1.1.9");
    }

    #[test]
    fn a_documentation_fix_may_be_a_patch() {
        let mut new = released();
        new["paths"]["/cafes"]["get"]["description"] = json!("Cafés, one page at a time.");
        new["paths"]["/cafes"]["get"]["responses"]["200"]["description"] = json!("One page.");
        assert_one(&new, "/info/version", "still 1.2.0");
        new["info"]["version"] = json!("1.2.1");
        assert_eq!(check(&released(), &new), vec![]);
        // A property called `description` is contract, not prose.
        at(&mut new, "/components/schemas/Named/properties")
            .insert("description".into(), json!({"type": "string"}));
        assert_one(&new, "/info/version", "patch bump");
    }

    #[test]
    fn a_major_bump_needs_every_path_under_a_new_prefix() {
        let mut new = changed(|d| {
            at(d, "/paths").remove("/cafes");
        });
        new["info"]["version"] = json!("2.0.0");
        let found = check(&released(), &new);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].message.contains("must move under `/v2/`"),
            "{}",
            found[0]
        );
        assert!(
            found[1].message.contains("path `/cafes` removed"),
            "{}",
            found[1]
        );

        let paths = new["paths"].as_object().unwrap().clone();
        new["paths"] = Value::Object(
            paths
                .into_iter()
                .map(|(p, v)| (format!("/v2{p}"), v))
                .collect(),
        );
        assert_eq!(check(&released(), &new), vec![]);
    }

    #[test]
    fn baselines_are_found_by_version_not_by_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "openapi-0.9.0.yaml",
            "openapi-0.10.0.yaml",
            "README.md",
            "openapi-draft.yaml",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let found = baselines(dir.path()).unwrap();
        let versions: Vec<String> = found.iter().map(|(v, _)| v.to_string()).collect();
        assert_eq!(versions, ["0.9.0", "0.10.0"]);
    }
}
