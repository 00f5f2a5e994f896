//! template.yaml as data for the template suites: parsed once per call (YAML anchors resolved,
//! CloudFormation's short-form tags kept as tagged values), and every string inside a value.

use serde_yaml::Value;

/// The repository's template.yaml.
pub fn template() -> Value {
    let text = std::fs::read_to_string(crate::repo_root().join("template.yaml"))
        .expect("reading template.yaml");
    serde_yaml::from_str(&text).expect("template.yaml is YAML")
}

/// Every string inside `value`, including inside intrinsic functions (`!Sub`, `!If`, …), so a
/// wildcard hidden in `!Sub ${Table}/index/*` is found too.
pub fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        Value::Mapping(map) => map.values().flat_map(strings).collect(),
        Value::Tagged(tagged) => strings(&tagged.value),
        _ => Vec::new(),
    }
}
