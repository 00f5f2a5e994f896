//! Walks template.yaml and checks the production rules every function must follow: least
//! privilege (no `*` actions or resources, no managed or templated policies), tracing, a log
//! group with retention, the `live` alias, and authorization on exactly the write routes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_yaml::Value;
use shared::http::ROUTES;

fn template() -> Value {
    let text = std::fs::read_to_string(tests::repo_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn functions(template: &Value) -> Vec<(String, Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|(k, r)| (k.as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

/// A `!Ref X` value's target.
fn ref_target(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "!Ref" => tagged.value.as_str().map(str::to_owned),
        Value::Mapping(m) => m.get("Ref").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// Every string inside `value`, including inside intrinsic functions (`!Sub`, `!If`, …), so a
/// wildcard hidden in `!Sub ${Table}/index/*` is found too.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        Value::Mapping(map) => map.values().flat_map(strings).collect(),
        Value::Tagged(tagged) => strings(&tagged.value),
        _ => Vec::new(),
    }
}

#[test]
fn every_policy_is_inline_least_privilege() {
    let template = template();
    let all = functions(&template);
    assert_eq!(
        all.len(),
        ROUTES.len() + 1,
        "one function per route plus route-not-found"
    );
    for (name, function) in all {
        let policies = function["Properties"]["Policies"]
            .as_sequence()
            .cloned()
            .unwrap_or_default();
        for policy in policies {
            let keys: Vec<&str> = policy
                .as_mapping()
                .expect("inline policy document")
                .keys()
                .filter_map(Value::as_str)
                .collect();
            assert!(
                keys.iter().all(|k| *k == "Version" || *k == "Statement"),
                "{name}: only inline policy documents (no managed policies or SAM policy templates), got {keys:?}"
            );
            for statement in policy["Statement"].as_sequence().unwrap() {
                assert_eq!(statement["Effect"].as_str(), Some("Allow"), "{name}");
                for action in strings(&statement["Action"]) {
                    assert!(!action.contains('*'), "{name}: wildcard action {action}");
                    assert!(
                        action.starts_with("dynamodb:"),
                        "{name}: unexpected action {action}"
                    );
                    assert!(action != "dynamodb:Scan", "{name}: Scan is never allowed");
                }
                let resource = &statement["Resource"];
                assert!(!resource.is_null(), "{name}: statement without Resource");
                assert!(
                    !strings(resource).iter().any(|r| r.contains('*')),
                    "{name}: wildcard resource"
                );
            }
        }
        let managed = strings(&function["Properties"]["ManagedPolicyArns"]);
        assert!(managed.is_empty(), "{name}: managed policies {managed:?}");
    }
}

#[test]
fn every_function_traces_logs_with_retention_and_publishes_live() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Tracing"].as_str(), Some("Active"));
    assert_eq!(globals["AutoPublishAlias"].as_str(), Some("live"));
    assert_eq!(globals["LoggingConfig"]["LogFormat"].as_str(), Some("JSON"));
    for (name, function) in functions(&template) {
        let props = &function["Properties"];
        assert!(props["Tracing"].is_null(), "{name} overrides tracing");
        assert!(
            props["AutoPublishAlias"].is_null(),
            "{name} overrides the alias"
        );
        let group = ref_target(&props["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{name}: no log group"));
        let log_group = &template["Resources"][group.as_str()];
        assert_eq!(
            log_group["Type"].as_str(),
            Some("AWS::Logs::LogGroup"),
            "{name}: {group}"
        );
        assert!(
            !log_group["Properties"]["RetentionInDays"].is_null(),
            "{name}: {group} keeps logs forever"
        );
    }
}

#[test]
fn write_routes_are_authorized_and_reads_are_not() {
    let template = template();
    for (name, function) in functions(&template) {
        let Some(events) = function["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            let path = event["Properties"]["Path"].as_str().unwrap();
            let method = event["Properties"]["Method"]
                .as_str()
                .unwrap()
                .to_uppercase();
            let authorizer = event["Properties"]["Auth"]["Authorizer"].as_str();
            let needs_auth = ROUTES
                .iter()
                .any(|r| r.auth && r.path == path && r.method == method);
            if needs_auth {
                assert_eq!(
                    authorizer,
                    Some("CognitoAuthorizer"),
                    "{name}: {method} {path} must be authorized"
                );
            } else {
                assert_eq!(authorizer, None, "{name}: {method} {path} is public");
            }
        }
    }
    let auth = &template["Resources"]["HttpApi"]["Properties"]["Auth"];
    assert!(
        auth["DefaultAuthorizer"].is_null(),
        "no default authorizer: reads stay public"
    );
    assert!(
        !auth["Authorizers"]["CognitoAuthorizer"]["JwtConfiguration"].is_null(),
        "JWT authorizer"
    );
}

#[test]
fn every_function_ships_by_canary_guarded_by_its_own_alarms() {
    let template = template();
    let default = template["Parameters"]["DeploymentType"]["Default"]
        .as_str()
        .unwrap();
    assert!(
        default.starts_with("Canary"),
        "default rollout is a canary, got {default}"
    );
    for (name, function) in functions(&template) {
        let preference = &function["Properties"]["DeploymentPreference"];
        assert_eq!(
            ref_target(&preference["Type"]).as_deref(),
            Some("DeploymentType"),
            "{name}"
        );
        let alarms: Vec<String> = preference["Alarms"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name}: canary without alarms"))
            .iter()
            .map(|a| ref_target(a).unwrap_or_else(|| panic!("{name}: alarm is not a !Ref")))
            .collect();
        assert_eq!(alarms.len(), 2, "{name}: errors and latency alarms");
        let mut metrics = Vec::new();
        for alarm in &alarms {
            let resource = &template["Resources"][alarm.as_str()];
            assert_eq!(
                resource["Type"].as_str(),
                Some("AWS::CloudWatch::Alarm"),
                "{name}: {alarm}"
            );
            let props = &resource["Properties"];
            assert_eq!(props["Namespace"].as_str(), Some("AWS/Lambda"), "{alarm}");
            assert!(!props["AlarmActions"].is_null(), "{alarm} notifies nobody");
            let watched: Vec<String> = props["Dimensions"]
                .as_sequence()
                .unwrap()
                .iter()
                .filter_map(|d| {
                    ref_target(&d["Value"]).or_else(|| strings(&d["Value"]).first().cloned())
                })
                .collect();
            assert!(
                watched.iter().any(|w| w.contains(name.as_str())),
                "{alarm} watches another function: {watched:?}"
            );
            metrics.push(props["MetricName"].as_str().unwrap().to_owned());
        }
        metrics.sort();
        assert_eq!(metrics, ["Duration", "Errors"], "{name}");
    }
}
