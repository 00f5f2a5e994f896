//! Walks template.yaml and checks the production rules every function must follow: least
//! privilege (no `*` actions, no `*` resources but S3 key prefixes, no managed or templated
//! policies), tracing, a log group with retention, the `live` alias, authorization on exactly
//! the write routes, queue workers fed through their `live` alias with partial batch
//! failures and a dead-letter queue, and no trace of the development-only token secret.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_yaml::Value;
use shared::http::ROUTES;

/// Functions that serve no route: queue workers, each fed by an `AWS::Lambda::EventSourceMapping`.
const WORKERS: &[&str] = &["ResizeImageFunction"];
/// Functions that serve no route: scheduled jobs, each run by an `AWS::Events::Rule`.
const SCHEDULED: &[&str] = &["SweepPhotosFunction"];

/// The only non-DynamoDB actions a function may hold: reading, writing and deleting S3 objects
/// (uploads, renditions), consuming its SQS queue, and invalidating the CDN's copies of deleted
/// renditions (on the one distribution; no wildcard resource is allowed for it).
const OTHER_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "cloudfront:CreateInvalidation",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
];

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

/// An S3 object ARN limited to one key prefix (`<bucket ARN>/<prefix>/*`): its only wildcard is
/// the trailing one, after a literal prefix. A whole bucket (`<bucket ARN>/*`) does not qualify.
/// (The shape alone would also fit `${Table.Arn}/index/*`: callers accept it only in statements
/// whose actions are all S3 object actions.)
fn is_s3_key_prefix(resource: &str) -> bool {
    let Some(body) = resource.strip_suffix("/*") else {
        return false;
    };
    let prefix = body.rsplit('/').next().unwrap_or_default();
    !body.contains('*')
        && body.contains('/')
        && !prefix.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[test]
fn only_one_key_prefix_counts_as_an_s3_key_prefix() {
    assert!(is_s3_key_prefix("${UploadsBucket.Arn}/uploads/*"));
    assert!(is_s3_key_prefix("arn:aws:s3:::bucket/media/*"));
    assert!(!is_s3_key_prefix("${UploadsBucket.Arn}/*"));
    assert!(!is_s3_key_prefix("arn:aws:s3:::bucket/*"));
    assert!(!is_s3_key_prefix("arn:aws:s3:::*/uploads/*"));
    assert!(!is_s3_key_prefix("arn:aws:s3:::bucket/up*/*"));
    assert!(!is_s3_key_prefix("*"));
}

#[test]
fn every_policy_is_inline_least_privilege() {
    let template = template();
    let all = functions(&template);
    assert_eq!(
        all.len(),
        ROUTES.len() + 1 + WORKERS.len() + SCHEDULED.len(),
        "one function per route plus route-not-found plus the queue workers and scheduled jobs"
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
                let actions = strings(&statement["Action"]);
                for action in &actions {
                    assert!(!action.contains('*'), "{name}: wildcard action {action}");
                    assert!(
                        action.starts_with("dynamodb:") || OTHER_ACTIONS.contains(&action.as_str()),
                        "{name}: unexpected action {action}"
                    );
                    assert!(action != "dynamodb:Scan", "{name}: Scan is never allowed");
                }
                let resource = &statement["Resource"];
                assert!(!resource.is_null(), "{name}: statement without Resource");
                let object_actions_only = actions.iter().all(|a| a.starts_with("s3:"));
                for r in strings(resource).iter().filter(|r| r.contains('*')) {
                    assert!(
                        object_actions_only && is_s3_key_prefix(r),
                        "{name}: wildcard resource {r} (only S3 object actions on one key prefix may use one)"
                    );
                }
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
            assert_eq!(
                event["Type"].as_str(),
                Some("HttpApi"),
                "{name}: only API events (a queue feeds its worker through an event source mapping)"
            );
            let path = event["Properties"]["Path"].as_str().unwrap();
            let method = event["Properties"]["Method"]
                .as_str()
                .unwrap()
                .to_uppercase();
            let authorizer = event["Properties"]["Auth"]["Authorizer"].as_str();
            // HEAD is answered by the GET route's function, with the GET route's access rule.
            let served_as = if method == "HEAD" {
                "GET"
            } else {
                method.as_str()
            };
            let needs_auth = ROUTES
                .iter()
                .any(|r| r.auth && r.path == path && r.method == served_as);
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

#[test]
fn workers_drain_their_queue_through_live_with_partial_failures_and_a_dead_letter_queue() {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    for worker in WORKERS {
        let function = &template["Resources"][*worker];
        assert_eq!(
            function["Type"].as_str(),
            Some("AWS::Serverless::Function"),
            "{worker}"
        );
        assert!(
            function["Properties"]["Events"].is_null(),
            "{worker}: an SQS event would attach AWSLambdaSQSQueueExecutionRole (every queue)"
        );
        let alias = format!("{worker}.Alias");
        let mappings: Vec<&Value> = resources
            .values()
            .filter(|r| r["Type"].as_str() == Some("AWS::Lambda::EventSourceMapping"))
            .filter(|r| {
                ref_target(&r["Properties"]["FunctionName"]).as_deref() == Some(alias.as_str())
            })
            .collect();
        assert_eq!(
            mappings.len(),
            1,
            "{worker}: one event source mapping on {alias}"
        );
        let mapping = &mappings[0]["Properties"];
        let types = strings(&mapping["FunctionResponseTypes"]);
        assert_eq!(
            types,
            ["ReportBatchItemFailures"],
            "{worker}: partial batch failures"
        );
        // The queue: `!GetAtt <Queue>.Arn`.
        let source = strings(&mapping["EventSourceArn"]);
        let queue_id = source
            .first()
            .and_then(|s| s.strip_suffix(".Arn"))
            .unwrap_or_else(|| panic!("{worker}: EventSourceArn is not !GetAtt <queue>.Arn"));
        let queue = &template["Resources"][queue_id]["Properties"];
        let timeout = function["Properties"]["Timeout"]
            .as_u64()
            .or_else(|| template["Globals"]["Function"]["Timeout"].as_u64())
            .unwrap();
        let visibility = queue["VisibilityTimeout"]
            .as_u64()
            .unwrap_or_else(|| panic!("{queue_id}: no VisibilityTimeout"));
        assert!(
            visibility >= 6 * timeout,
            "{queue_id}: visibility timeout {visibility} s < 6 x {worker}'s {timeout} s"
        );
        assert!(
            queue["RedrivePolicy"]["maxReceiveCount"].as_u64().is_some(),
            "{queue_id}: no dead-letter queue"
        );
        // The worker may consume that queue and no other.
        let consumes: Vec<String> = function["Properties"]["Policies"]
            .as_sequence()
            .unwrap()
            .iter()
            .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
            .filter(|s| strings(&s["Action"]).iter().any(|a| a.starts_with("sqs:")))
            .flat_map(|s| strings(&s["Resource"]))
            .collect();
        assert_eq!(consumes, [format!("{queue_id}.Arn")], "{worker}");
    }
}

/// The HttpApi's CORS policy exposes exactly the headers the code sends for scripts to read
/// (`shared::http::EXPOSED_HEADERS`, which the local server exposes too).
#[test]
fn cors_exposes_the_api_headers() {
    let template = template();
    let cors = &template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    let mut exposed: Vec<String> = strings(&cors["ExposeHeaders"])
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    exposed.sort();
    let mut expected: Vec<String> = shared::http::EXPOSED_HEADERS
        .iter()
        .map(|h| (*h).to_owned())
        .collect();
    expected.sort();
    assert_eq!(exposed, expected);
    let methods = strings(&cors["AllowMethods"]);
    for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"] {
        assert!(
            methods.iter().any(|m| m == method),
            "AllowMethods lacks {method}"
        );
    }
}

#[test]
fn scheduled_jobs_run_through_live_on_a_rule_allowed_to_invoke_only_them() {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    for job in SCHEDULED {
        let function = &template["Resources"][*job];
        assert_eq!(
            function["Type"].as_str(),
            Some("AWS::Serverless::Function"),
            "{job}"
        );
        assert!(
            function["Properties"]["Events"].is_null(),
            "{job}: a SAM Schedule event would target the unaliased function"
        );
        let alias = format!("{job}.Alias");
        let rules: Vec<(String, &Value)> = resources
            .iter()
            .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Events::Rule"))
            .filter(|(_, r)| {
                r["Properties"]["Targets"].as_sequence().is_some_and(|t| {
                    t.iter()
                        .any(|t| ref_target(&t["Arn"]).as_deref() == Some(alias.as_str()))
                })
            })
            .map(|(k, r)| (k.as_str().unwrap().to_owned(), r))
            .collect();
        assert_eq!(rules.len(), 1, "{job}: one schedule rule on {alias}");
        let (rule_id, rule) = &rules[0];
        assert!(
            rule["Properties"]["ScheduleExpression"]
                .as_str()
                .is_some_and(|e| e.starts_with("rate(") || e.starts_with("cron(")),
            "{rule_id}: a schedule"
        );
        let permitted = resources.values().any(|r| {
            r["Type"].as_str() == Some("AWS::Lambda::Permission")
                && ref_target(&r["Properties"]["FunctionName"]).as_deref() == Some(alias.as_str())
                && r["Properties"]["Principal"].as_str() == Some("events.amazonaws.com")
                && strings(&r["Properties"]["SourceArn"]) == [format!("{rule_id}.Arn")]
        });
        assert!(
            permitted,
            "{job}: EventBridge may invoke {alias}, from {rule_id} only"
        );
    }
}

/// Fails if `file` (from the repository root) mentions the development-only token secret
/// (`CRAFTBEAN_DEV_JWT_SECRET`) anywhere, a comment that could be uncommented included.
fn assert_never_mentions_the_dev_token_secret(file: &str) {
    let text = std::fs::read_to_string(tests::repo_root().join(file)).unwrap();
    let name = shared::config::vars::DEV_JWT_SECRET;
    assert!(
        !text.contains(name) && !text.to_ascii_uppercase().contains("DEV_JWT"),
        "{file} mentions {name}: it is for cargo lambda watch only and must never reach AWS"
    );
}

/// The development-only token secret lets a function verify local bearer tokens itself when no
/// authorizer claims arrive. The template never sets it: in AWS only API Gateway's authorizer
/// may name the caller.
#[test]
fn the_dev_token_secret_is_nowhere_in_the_template() {
    assert_never_mentions_the_dev_token_secret("template.yaml");
}

/// Nor may a deployment's parameters or the SAM CLI configuration carry it.
#[test]
fn the_dev_token_secret_is_nowhere_in_samconfig() {
    assert_never_mentions_the_dev_token_secret("samconfig.toml");
}

/// docs/resilience.md: every function names its deadline budget in `CRAFTBEAN_BUDGET` (a
/// value `shared::aws` accepts; without it a function would run with the lenient `tool`
/// budget), and the kind fits what it does: `read` for functions serving only GET routes (and
/// the `$default` route), `write` for other routes, `worker` for queue workers, `sweep` for
/// scheduled jobs.
#[test]
fn every_function_sets_the_budget_of_its_kind() {
    use shared::aws::BudgetKind;
    let template = template();
    let mut checked = 0;
    for (name, function) in functions(&template) {
        let Some(value) =
            function["Properties"]["Environment"]["Variables"]["CRAFTBEAN_BUDGET"].as_str()
        else {
            panic!("{name} sets no CRAFTBEAN_BUDGET");
        };
        let kind: BudgetKind = value
            .parse()
            .unwrap_or_else(|e| panic!("{name}: CRAFTBEAN_BUDGET: {e}"));
        let events: Vec<(String, String)> = function["Properties"]["Events"]
            .as_mapping()
            .map(|events| {
                events
                    .values()
                    .map(|e| {
                        let p = &e["Properties"];
                        (
                            p["Path"].as_str().unwrap_or_default().to_owned(),
                            p["Method"].as_str().unwrap_or_default().to_uppercase(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let reads_only = !events.is_empty()
            && events
                .iter()
                .all(|(path, method)| path == "$default" || method == "GET" || method == "HEAD");
        let expected = if WORKERS.contains(&name.as_str()) {
            BudgetKind::Worker
        } else if SCHEDULED.contains(&name.as_str()) {
            BudgetKind::Sweep
        } else if reads_only {
            BudgetKind::Read
        } else {
            BudgetKind::Write
        };
        assert_eq!(kind, expected, "{name}: budget kind");
        checked += 1;
    }
    assert_eq!(checked, 37, "every function checked");
}
