//! Walks template.yaml and checks the production rules every function must follow: least
//! privilege (no `*` actions, no `*` resources but S3 key prefixes, no managed or templated
//! policies), tracing, a log group with retention, the `live` alias, authorization on exactly
//! the write routes, queue workers fed through their `live` alias with partial batch
//! failures and a dead-letter queue, the table stream consumer filtered to rating shards with
//! its lag alarmed, and no trace of the development-only token secret.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_yaml::Value;
use shared::http::ROUTES;
use shared::http::partner::PARTNER_ROUTES;
use tests::template_yaml::{strings, template};

/// Functions that serve no route: queue workers, each fed by an `AWS::Lambda::EventSourceMapping`.
const WORKERS: &[&str] = &["ResizeImageFunction"];
/// Functions that serve no route: DynamoDB stream consumers, each fed by an
/// `AWS::Lambda::EventSourceMapping` on the table's stream.
const STREAM_CONSUMERS: &[&str] = &["RefreshRatingsFunction"];
/// Functions that serve no route: scheduled jobs, each run by an `AWS::Events::Rule`.
const SCHEDULED: &[&str] = &["SweepPhotosFunction", "RefreshRecommendationsFunction"];

/// The only non-DynamoDB actions a function may hold: reading, writing and deleting S3 objects
/// (uploads, renditions), consuming its SQS queue, sending a stream mapping's failed batches to
/// its dead-letter queue, and invalidating the CDN's copies of deleted renditions (on the one
/// distribution; no wildcard resource is allowed for it), and reading the stack's flag document
/// through the AppConfig agent.
const OTHER_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "cloudfront:CreateInvalidation",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:SendMessage",
    // The AppConfig agent, for the flag document of the one function that reads flags.
    "appconfig:StartConfigurationSession",
    "appconfig:GetLatestConfiguration",
];

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
    // Routes name their function; nearby-cafes serves two (`/cafes/nearby`, `/me/nearby-cafes`).
    let routed: std::collections::BTreeSet<&str> = ROUTES.iter().map(|r| r.function).collect();
    assert_eq!(
        all.len(),
        routed.len()
            + PARTNER_ROUTES.len()
            + 1
            + WORKERS.len()
            + STREAM_CONSUMERS.len()
            + SCHEDULED.len(),
        "one function per routed function (consumer and partner API) plus route-not-found plus the queue workers, stream consumers and scheduled jobs"
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
            // A partner route: on the partner REST API, with its key required (the gate checks
            // it again), never a user's token.
            if event["Type"].as_str() == Some("Api") {
                let props = &event["Properties"];
                assert_eq!(
                    ref_target(&props["RestApiId"]).as_deref(),
                    Some("PartnerApi"),
                    "{name}"
                );
                let path = props["Path"].as_str().unwrap();
                assert!(
                    PARTNER_ROUTES.iter().any(|r| r.path == path),
                    "{name}: {path} is not a partner route"
                );
                assert_eq!(
                    props["Auth"]["ApiKeyRequired"].as_bool(),
                    Some(true),
                    "{name}"
                );
                assert!(props["Auth"]["Authorizer"].is_null(), "{name}");
                continue;
            }
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
        // `!If [UseOnePercentCanary, !Ref OnePercentCanary, !Ref DeploymentType]`: the stack's
        // own 1 % canary by default, CodeDeploy's predefined shift when the parameter names one.
        let choice = match &preference["Type"] {
            Value::Tagged(t) if t.tag == "!If" => t.value.as_sequence().cloned(),
            Value::Mapping(m) => m.get("Fn::If").and_then(Value::as_sequence).cloned(),
            _ => None,
        }
        .unwrap_or_else(|| panic!("{name}: DeploymentPreference Type is not an !If"));
        assert_eq!(choice[0].as_str(), Some("UseOnePercentCanary"), "{name}");
        assert_eq!(
            ref_target(&choice[1]).as_deref(),
            Some("OnePercentCanary"),
            "{name}"
        );
        assert_eq!(
            ref_target(&choice[2]).as_deref(),
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

/// The properties of the one event source mapping that feeds `function`'s `live` alias.
fn mapping_on_live<'a>(template: &'a Value, function: &str) -> &'a Value {
    let alias = format!("{function}.Alias");
    let mappings: Vec<&Value> = template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Lambda::EventSourceMapping"))
        .filter(|r| ref_target(&r["Properties"]["FunctionName"]).as_deref() == Some(alias.as_str()))
        .collect();
    assert_eq!(
        mappings.len(),
        1,
        "{function}: one event source mapping on {alias}"
    );
    &mappings[0]["Properties"]
}

#[test]
fn workers_drain_their_queue_through_live_with_partial_failures_and_a_dead_letter_queue() {
    let template = template();
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
        let mapping = mapping_on_live(&template, worker);
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

// ---------------------------------------------------------------------------------------------
// Item families: each write role reaches only the partitions it writes.
// ---------------------------------------------------------------------------------------------

/// The partition-key families (prefixes of `PK`, built in `shared::store::keys`) each function
/// writes, read from its handler and the store code it calls. This table is the single source:
/// every write statement of the function's policy must carry exactly these prefixes as
/// `ForAllValues:StringLike` `dynamodb:LeadingKeys`, and a function that writes must be listed.
/// Transactions are authorised item by item, so a family written only inside a transaction (or
/// only condition-checked) belongs here too.
const WRITE_FAMILIES: &[(&str, &[&str])] = &[
    // review + author-list entry, reviewer marker and this region's rating shard, the author's
    // profile on first write, the write-limit bucket, the idempotency record. Never the café:
    // refresh-ratings converges its rating from the stream.
    (
        "CreateReviewFunction",
        &["REVIEW#", "RATINGS#", "USER#", "RATE#", "IDEMPOTENCY#"],
    ),
    ("UpdateReviewFunction", &["REVIEW#", "RATINGS#", "RATE#"]),
    ("DeleteReviewFunction", &["REVIEW#", "RATINGS#", "RATE#"]),
    // Stories keep every list entry in the story's own partition.
    (
        "CreateStoryFunction",
        &["STORY#", "USER#", "RATE#", "IDEMPOTENCY#"],
    ),
    ("UpdateStoryFunction", &["STORY#", "RATE#"]),
    ("DeleteStoryFunction", &["STORY#", "RATE#"]),
    (
        "CreatePhotoFunction",
        &["PHOTO#", "USER#", "RATE#", "IDEMPOTENCY#"],
    ),
    // Deleting the cover photo moves the café's cover (profile, list and geo entries).
    ("DeletePhotoFunction", &["PHOTO#", "CAFE#"]),
    // The first authenticated call creates the profile.
    ("GetMeFunction", &["USER#"]),
    // Answering a variant is that person's exposure (experiment events).
    ("GetMyExperimentsFunction", &["EXP#"]),
    ("UpdateMeFunction", &["USER#", "RATE#"]),
    // Erasure: reviews with their shard counts, stories, saved cafés and the profile, photos
    // handed to the former-member id, consents to partners (their look-up by pseudonym).
    (
        "DeleteMeFunction",
        &[
            "USER#", "REVIEW#", "RATINGS#", "STORY#", "PHOTO#", "CONSENT#",
        ],
    ),
    // A save is the nearby-ranking experiment's conversion (experiment events).
    ("SaveCafeFunction", &["USER#", "RATE#", "EXP#"]),
    // The partner gate: the request's admission record, the key's per-second counter, the
    // partner's quota and usage counters (shared::store::partners).
    ("PartnerUsageFunction", &["METER#", "RATE#", "USAGE#"]),
    ("PartnerCafesFunction", &["METER#", "RATE#", "USAGE#"]),
    (
        "PartnerRecommendationsFunction",
        &["METER#", "RATE#", "USAGE#"],
    ),
    // A read that records a unit's (device's or person's) first exposure to an experiment and
    // its requests in it (guardrails), nothing else.
    ("NearbyCafesFunction", &["EXP#"]),
    ("UnsaveCafeFunction", &["USER#", "RATE#"]),
    // A consent is two items: its look-up by pseudonym and its entry in the user's partition.
    ("GrantConsentFunction", &["USER#", "CONSENT#", "RATE#"]),
    ("WithdrawConsentFunction", &["USER#", "CONSENT#", "RATE#"]),
    ("SweepPhotosFunction", &["PHOTO#"]),
    // One put per user of their recommendations (USER#<id> / RECOMMENDATIONS).
    ("RefreshRecommendationsFunction", &["USER#"]),
    // The worker finishes photos and offers a ready one as the café's cover.
    ("ResizeImageFunction", &["PHOTO#", "CAFE#"]),
    // The stream consumer rewrites the café's rating fields (profile, list, geo, term entries),
    // and settles an author marker this region lost: its shard and a settlement record
    // (`RATINGS#`), the losing review (`REVIEW#`).
    ("RefreshRatingsFunction", &["CAFE#", "RATINGS#", "REVIEW#"]),
];

/// DynamoDB actions that change an item (each authorised per item, in transactions too).
const ITEM_WRITE_ACTIONS: &[&str] = &[
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
];

/// One real partition key of every family, built by the store's own key builders.
fn example_partition_keys() -> Vec<String> {
    use shared::domain::{
        ArtisanId, CafeId, PhotoId, PublicUserId, ReviewId, RoasterId, Slug, StoryId,
    };
    use shared::store::keys;
    let slug = Slug::from_text("pour over").unwrap();
    vec![
        keys::cafe_pk(&CafeId::from_entropy(1)),
        keys::roaster_pk(&RoasterId::from_entropy(1)),
        keys::artisan_pk(&ArtisanId::from_entropy(1)),
        keys::city_pk(&slug),
        keys::method_pk(&slug),
        keys::review_pk(&ReviewId::from_entropy(1)),
        keys::ratings_pk(&CafeId::from_entropy(1)),
        keys::rate_pk(&PublicUserId::from_entropy(1)),
        keys::story_pk(&StoryId::from_entropy(1)),
        keys::photo_pk(&PhotoId::from_entropy(1)),
        keys::user_pk(&PublicUserId::from_entropy(1)),
        keys::idempotency_pk("scope#key"),
        keys::schema_key().0,
        keys::consent_pk(
            &shared::domain::PartnerId::from_entropy(1),
            &shared::domain::PartnerUserId::from_entropy(1),
        ),
        keys::experiment_unit_pk("nearby-ranking", "dev_0123456789abcdef"),
        keys::admission_pk(&shared::domain::PartnerId::from_entropy(1), "request-1"),
        keys::usage_pk(
            &shared::domain::PartnerId::from_entropy(1),
            jiff::civil::date(2026, 11, 29),
        ),
        keys::partner_second_key(&shared::domain::ApiKeyId::from_entropy(1), 1_795_953_600).0,
    ]
}

#[test]
fn every_listed_family_is_a_real_partition_key_prefix() {
    let examples = example_partition_keys();
    for (function, families) in WRITE_FAMILIES {
        for family in *families {
            assert!(
                family.ends_with('#') && !family.contains('*'),
                "{function}: {family} must be a literal prefix ending in #"
            );
            assert!(
                examples.iter().any(|k| k.starts_with(family)),
                "{function}: no key built in shared::store::keys starts with {family}"
            );
        }
    }
    // No family's pattern reaches into another: `CAFE#*` must not match `CAFES#…` keys etc.
    for key in &examples {
        let families: Vec<&str> = WRITE_FAMILIES
            .iter()
            .flat_map(|(_, f)| f.iter().copied())
            .filter(|f| key.starts_with(f))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert!(families.len() <= 1, "{key} matches {families:?}");
    }
}

/// The `ForAllValues:StringLike` `dynamodb:LeadingKeys` patterns of a statement (`None` when
/// the statement has no such condition), failing on any other condition operator or key.
fn leading_key_patterns(name: &str, statement: &Value) -> Option<Vec<String>> {
    let condition = statement["Condition"].as_mapping()?;
    assert_eq!(
        condition.len(),
        1,
        "{name}: one condition operator on a write statement"
    );
    let like = &condition
        .get("ForAllValues:StringLike")
        .unwrap_or_else(|| panic!("{name}: write condition must be ForAllValues:StringLike"));
    let keys = like.as_mapping().unwrap();
    assert_eq!(keys.len(), 1, "{name}: only dynamodb:LeadingKeys");
    let mut patterns = strings(&like["dynamodb:LeadingKeys"]);
    patterns.sort();
    Some(patterns)
}

#[test]
fn every_write_role_reaches_only_its_item_families() {
    let template = template();
    let mut writers = Vec::new();
    for (name, function) in functions(&template) {
        let statements: Vec<Value> = function["Properties"]["Policies"]
            .as_sequence()
            .cloned()
            .unwrap_or_default()
            .iter()
            .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
            .collect();
        let writes: Vec<&Value> = statements
            .iter()
            .filter(|s| {
                strings(&s["Action"])
                    .iter()
                    .any(|a| ITEM_WRITE_ACTIONS.contains(&a.as_str()))
            })
            .collect();
        if writes.is_empty() {
            continue;
        }
        writers.push(name.clone());
        let families = WRITE_FAMILIES
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, families)| *families)
            .unwrap_or_else(|| {
                panic!("{name} writes to the table but has no entry in WRITE_FAMILIES")
            });
        let mut expected: Vec<String> = families.iter().map(|f| format!("{f}*")).collect();
        expected.sort();
        for statement in writes {
            let sid = statement["Sid"].as_str().unwrap_or("?");
            let patterns = leading_key_patterns(&name, statement).unwrap_or_else(|| {
                panic!("{name}/{sid}: write statement without a dynamodb:LeadingKeys condition")
            });
            assert_eq!(patterns, expected, "{name}/{sid}: LeadingKeys");
        }
    }
    let mut listed: Vec<String> = WRITE_FAMILIES
        .iter()
        .map(|(f, _)| (*f).to_owned())
        .collect();
    listed.sort();
    writers.sort();
    assert_eq!(
        listed, writers,
        "WRITE_FAMILIES lists exactly the functions that write"
    );
}

#[test]
fn review_writes_never_reach_a_cafe_and_only_the_rating_consumer_rewrites_ratings() {
    let families = |name: &str| {
        WRITE_FAMILIES
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, families)| *families)
            .unwrap()
    };
    for review_writer in [
        "CreateReviewFunction",
        "UpdateReviewFunction",
        "DeleteReviewFunction",
        "DeleteMeFunction",
    ] {
        assert!(
            !families(review_writer).contains(&"CAFE#"),
            "{review_writer} may write cafés"
        );
    }
    assert_eq!(
        families("RefreshRatingsFunction"),
        ["CAFE#", "RATINGS#", "REVIEW#"]
    );
}

/// The table stream consumer: fed through its `live` alias by a mapping on this region's table
/// stream, filtered to rating shard items and author markers, batched, with partial batch
/// failures, bisection, bounded retries and an SQS on-failure destination it alone may send to;
/// it may read that stream and no other, and its lag (iterator age) raises an alarm.
#[test]
fn stream_consumers_read_only_shard_changes_through_live_with_retries_and_a_dead_letter_queue() {
    let template = template();
    for consumer in STREAM_CONSUMERS {
        let function = &template["Resources"][*consumer];
        assert!(
            function["Properties"]["Events"].is_null(),
            "{consumer}: a SAM DynamoDB event would invoke the unaliased function"
        );
        let mapping = mapping_on_live(&template, consumer);
        let source = strings(&mapping["EventSourceArn"]);
        assert!(
            source.contains(&"Table.StreamArn".to_owned())
                && source
                    .iter()
                    .any(|s| s.contains("/stream/${ExistingTableStreamLabel}")),
            "{consumer}: the table's stream in this region (created or existing): {source:?}"
        );
        assert_eq!(
            strings(&mapping["FunctionResponseTypes"]),
            ["ReportBatchItemFailures"]
        );
        assert_eq!(mapping["BisectBatchOnFunctionError"].as_bool(), Some(true));
        let retries = mapping["MaximumRetryAttempts"].as_u64().unwrap();
        assert!((1..=10).contains(&retries), "{consumer}: {retries} retries");
        let window = mapping["MaximumBatchingWindowInSeconds"].as_u64().unwrap();
        assert!(
            (1..=10).contains(&window),
            "{consumer}: batching window {window} s"
        );
        assert!(mapping["BatchSize"].as_u64().is_some());
        // The filter keeps exactly the rating shard items and author markers the handler acts
        // on (not its own settlement records).
        let filters = mapping["FilterCriteria"]["Filters"].as_sequence().unwrap();
        assert_eq!(filters.len(), 1);
        let pattern: serde_json::Value =
            serde_json::from_str(filters[0]["Pattern"].as_str().unwrap()).unwrap();
        let keys = &pattern["dynamodb"]["Keys"];
        let pk = keys["PK"]["S"][0]["prefix"].as_str().unwrap();
        let sks: Vec<&str> = keys["SK"]["S"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["prefix"].as_str().unwrap())
            .collect();
        let cafe = shared::domain::CafeId::from_entropy(5);
        let author = shared::domain::PublicUserId::from_entropy(6);
        let shard_pk = shared::store::keys::ratings_pk(&cafe);
        let shard_sk = shared::store::keys::shard_sk("eu-west-1");
        assert!(shard_pk.starts_with(pk));
        assert_eq!(
            sks,
            [
                shared::store::keys::SHARD_PREFIX,
                shared::store::keys::REVIEWER_PREFIX
            ]
        );
        assert!(shard_sk.starts_with(sks[0]));
        assert!(shared::store::keys::reviewer_sk(&author).starts_with(sks[1]));
        assert!(
            !sks.iter()
                .any(|sk| shared::store::keys::settled_sk(&author, "eu-west-1", 1).starts_with(sk)),
            "the consumer's settlement records must not trigger it"
        );
        assert!(
            !shared::store::keys::cafe_pk(&cafe).starts_with(pk),
            "the consumer's own café writes must not trigger it"
        );
        // Failed batches go to a queue only this consumer may send to.
        let destination = get_att(&mapping["DestinationConfig"]["OnFailure"]["Destination"])
            .unwrap_or_else(|| panic!("{consumer}: no on-failure destination"));
        let queue = destination.strip_suffix(".Arn").unwrap();
        assert_eq!(
            template["Resources"][queue]["Type"].as_str(),
            Some("AWS::SQS::Queue")
        );
        let statements: Vec<Value> = function["Properties"]["Policies"]
            .as_sequence()
            .unwrap()
            .iter()
            .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
            .collect();
        let sends: Vec<String> = statements
            .iter()
            .filter(|s| strings(&s["Action"]).iter().any(|a| a.starts_with("sqs:")))
            .flat_map(|s| strings(&s["Resource"]))
            .collect();
        assert_eq!(sends, std::slice::from_ref(&destination), "{consumer}");
        let stream_reads: Vec<&Value> = statements
            .iter()
            .filter(|s| strings(&s["Action"]).contains(&"dynamodb:GetRecords".to_owned()))
            .collect();
        assert_eq!(stream_reads.len(), 1);
        assert_eq!(
            strings(&stream_reads[0]["Resource"]),
            source,
            "{consumer}: reads only the stream it is fed"
        );
        // Its lag pages someone.
        let function_name: String = (*consumer).to_owned();
        let lag = alarms(&template).into_iter().find(|(_, a)| {
            a["MetricName"].as_str() == Some("IteratorAge")
                && ref_target(&a["Dimensions"][0]["Value"]).as_deref()
                    == Some(function_name.as_str())
        });
        let (name, lag) = lag.unwrap_or_else(|| panic!("{consumer}: no iterator age alarm"));
        assert_eq!(
            lag["ComparisonOperator"].as_str(),
            Some("GreaterThanThreshold"),
            "{name}"
        );
        assert!(
            lag["Threshold"].as_u64().unwrap() <= 15 * 60 * 1000,
            "{name}"
        );
        let dead_letters = alarms(&template).into_iter().any(|(_, a)| {
            a["Namespace"].as_str() == Some("AWS/SQS")
                && get_att(&a["Dimensions"][0]["Value"]).as_deref()
                    == Some(format!("{queue}.QueueName").as_str())
        });
        assert!(dead_letters, "{consumer}: no alarm on {queue}");
    }
}

#[test]
fn the_image_worker_touches_only_photos_and_the_cafe_cover() {
    let (_, families) = WRITE_FAMILIES
        .iter()
        .find(|(f, _)| *f == "ResizeImageFunction")
        .unwrap();
    assert_eq!(*families, ["PHOTO#", "CAFE#"]);
    let (_, families) = WRITE_FAMILIES
        .iter()
        .find(|(f, _)| *f == "SweepPhotosFunction")
        .unwrap();
    assert_eq!(*families, ["PHOTO#"]);
}

// ---------------------------------------------------------------------------------------------
// Edge: origin secret, WAF, route throttles, alarms.
// ---------------------------------------------------------------------------------------------

/// A `!GetAtt X.Y` value's `X.Y`.
fn get_att(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "!GetAtt" => {
            tagged.value.as_str().map(str::to_owned)
        }
        _ => None,
    }
}

/// The default of a `Number` parameter named by `!Ref`.
fn number_default(template: &Value, value: &Value) -> u64 {
    let name = ref_target(value).unwrap_or_else(|| panic!("not a !Ref: {value:?}"));
    let default = &template["Parameters"][name.as_str()]["Default"];
    default
        .as_u64()
        .or_else(|| default.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("parameter {name} has no numeric default"))
}

#[test]
fn every_api_function_requires_the_origin_secret_cloudfront_sends() {
    use shared::config::vars;
    let template = template();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    for (name, function) in functions(&template) {
        if function["Properties"]["Events"].is_null() && name != "RouteNotFoundFunction" {
            continue;
        }
        let own = &function["Properties"]["Environment"]["Variables"];
        for (var, parameter) in [
            (vars::ORIGIN_SECRET, "OriginSecret"),
            (vars::ORIGIN_SECRET_STANDBY, "OriginSecretStandby"),
        ] {
            assert!(
                own[var].is_null(),
                "{name} overrides {var} (it comes from Globals, for every function)"
            );
            assert_eq!(
                ref_target(&globals[var]).as_deref(),
                Some(parameter),
                "{name}: {var} from Globals"
            );
        }
    }
    let parameter = &template["Parameters"]["OriginSecret"];
    assert_eq!(parameter["NoEcho"].as_bool(), Some(true), "OriginSecret");
    assert!(
        parameter["Default"].is_null(),
        "OriginSecret has no default"
    );
    assert!(
        parameter["MinLength"].as_u64().unwrap()
            >= shared::http::origin::MIN_ORIGIN_SECRET_LEN as u64
    );
    assert_eq!(
        template["Parameters"]["OriginSecretStandby"]["NoEcho"].as_bool(),
        Some(true)
    );

    let origins =
        template["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]["Origins"]
            .as_sequence()
            .unwrap();
    // The consumer API (HTTP API) and the partner API (REST API): both origins send the secret.
    let apis: Vec<&Value> = origins
        .iter()
        .filter(|o| {
            strings(&o["DomainName"])
                .iter()
                .any(|d| d.contains("execute-api"))
        })
        .collect();
    assert_eq!(apis.len(), 2, "the API origin and the partner API origin");
    for api in &apis {
        let headers = api["OriginCustomHeaders"].as_sequence().unwrap();
        let secret: Vec<&Value> = headers
            .iter()
            .filter(|h| h["HeaderName"].as_str() == Some(shared::http::origin::ORIGIN_HEADER))
            .collect();
        assert_eq!(secret.len(), 1, "{:?} sends the origin header", api["Id"]);
        assert_eq!(
            ref_target(&secret[0]["HeaderValue"]).as_deref(),
            Some("OriginSecret")
        );
    }
    // Each API is behind its own path only: /api/* and /partner/*, never the default behaviour.
    let config = &template["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"];
    for api in &apis {
        let id = api["Id"].as_str().unwrap();
        assert_ne!(
            config["DefaultCacheBehavior"]["TargetOriginId"].as_str(),
            Some(id)
        );
        let patterns: Vec<&str> = config["CacheBehaviors"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter(|b| b["TargetOriginId"].as_str() == Some(id))
            .filter_map(|b| b["PathPattern"].as_str())
            .collect();
        let expected = if id == "partner-api" {
            "/partner/*"
        } else {
            "/api/*"
        };
        assert_eq!(patterns, [expected], "{id}");
    }
}

#[test]
fn the_distribution_is_behind_a_waf_web_acl_in_every_region() {
    let template = template();
    let acl = &template["Resources"]["WebAcl"];
    assert_eq!(acl["Type"].as_str(), Some("AWS::WAFv2::WebACL"));
    assert_eq!(acl["Properties"]["Scope"].as_str(), Some("CLOUDFRONT"));
    assert_eq!(acl["Condition"].as_str(), Some("CreateWebAcl"));
    let condition = strings(&template["Conditions"]["CreateWebAcl"]);
    assert!(
        condition.iter().any(|s| s == "us-east-1") && condition.iter().any(|s| s == "AWS::Region"),
        "the web ACL is created only in us-east-1: {condition:?}"
    );
    // Attached: the created one, else the one WebAclArn names.
    let attached =
        &template["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]["WebACLId"];
    let Value::Tagged(tagged) = attached else {
        panic!("WebACLId must be !If [CreateWebAcl, !GetAtt WebAcl.Arn, !Ref WebAclArn]");
    };
    assert_eq!(tagged.tag, "!If");
    let branches = tagged.value.as_sequence().unwrap();
    assert_eq!(branches[0].as_str(), Some("CreateWebAcl"));
    assert_eq!(get_att(&branches[1]).as_deref(), Some("WebAcl.Arn"));
    assert_eq!(ref_target(&branches[2]).as_deref(), Some("WebAclArn"));
    // Outside us-east-1 a stack cannot deploy without one.
    let rule = &template["Rules"]["WebAclOutsideUsEast1"];
    assert!(
        strings(&rule["RuleCondition"])
            .iter()
            .any(|s| s == "us-east-1")
    );
    assert!(
        strings(&rule["Assertions"])
            .iter()
            .any(|s| s == "WebAclArn")
    );
    // AWS managed rule groups.
    let rules = acl["Properties"]["Rules"].as_sequence().unwrap();
    let managed: Vec<String> = rules
        .iter()
        .filter_map(|r| {
            r["Statement"]["ManagedRuleGroupStatement"]["Name"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    for group in [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    ] {
        assert!(managed.iter().any(|m| m == group), "{group} missing");
    }
    let mut priorities: Vec<u64> = rules
        .iter()
        .map(|r| r["Priority"].as_u64().unwrap())
        .collect();
    priorities.sort();
    priorities.dedup();
    assert_eq!(priorities.len(), rules.len(), "rule priorities are unique");
}

/// The methods a rate rule's scope-down statement matches.
fn scoped_methods(scope: &Value) -> Vec<String> {
    let mut found = Vec::new();
    fn walk(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Mapping(map) => {
                if let Some(byte) = map.get("ByteMatchStatement")
                    && !byte["FieldToMatch"]["Method"].is_null()
                {
                    found.push(byte["SearchString"].as_str().unwrap().to_owned());
                }
                map.values().for_each(|v| walk(v, found));
            }
            Value::Sequence(items) => items.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    walk(scope, &mut found);
    found.sort();
    found
}

#[test]
fn rate_rules_are_tighter_for_writes_than_reads_and_tightest_for_uploads() {
    let template = template();
    let acl = &template["Resources"]["WebAcl"]["Properties"];
    let rules = acl["Rules"].as_sequence().unwrap();
    let rate_rules: Vec<&Value> = rules
        .iter()
        .filter(|r| !r["Statement"]["RateBasedStatement"].is_null())
        .collect();
    let rule = |name: &str| -> &Value {
        rate_rules
            .iter()
            .find(|r| r["Name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no rate rule {name}"))
    };
    let (reads, writes, uploads) = (
        rule("RateLimitReads"),
        rule("RateLimitWrites"),
        rule("RateLimitUploads"),
    );
    for r in &rate_rules {
        let statement = &r["Statement"]["RateBasedStatement"];
        assert_eq!(statement["AggregateKeyType"].as_str(), Some("IP"));
        // Blocked with a 429 whose JSON body has the problem fields.
        let response = &r["Action"]["Block"]["CustomResponse"];
        assert_eq!(response["ResponseCode"].as_u64(), Some(429), "{r:?}");
        let key = response["CustomResponseBodyKey"].as_str().unwrap();
        let body = &acl["CustomResponseBodies"][key];
        assert_eq!(body["ContentType"].as_str(), Some("APPLICATION_JSON"));
        let problem: serde_json::Value =
            serde_json::from_str(body["Content"].as_str().unwrap()).unwrap();
        assert_eq!(problem["status"], 429);
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .starts_with(shared::http::PROBLEM_BASE)
        );
    }
    assert_eq!(
        scoped_methods(&reads["Statement"]["RateBasedStatement"]),
        ["GET", "HEAD"]
    );
    assert_eq!(
        scoped_methods(&writes["Statement"]["RateBasedStatement"]),
        ["DELETE", "PATCH", "POST", "PUT"]
    );
    assert_eq!(
        scoped_methods(&uploads["Statement"]["RateBasedStatement"]),
        ["POST"]
    );
    let limit =
        |r: &Value| number_default(&template, &r["Statement"]["RateBasedStatement"]["Limit"]);
    assert!(
        limit(uploads) < limit(writes) && limit(writes) < limit(reads),
        "uploads {} < writes {} < reads {}",
        limit(uploads),
        limit(writes),
        limit(reads)
    );
    // Tighter rules come first, so a request over the upload limit is answered by that rule.
    let priority = |r: &Value| r["Priority"].as_u64().unwrap();
    assert!(priority(uploads) < priority(writes) && priority(writes) < priority(reads));
    // The upload rule's path pattern covers every upload announcement route (seen by WAF with
    // the CDN's /api prefix).
    let regex = strings(&uploads["Statement"]["RateBasedStatement"]["ScopeDownStatement"])
        .into_iter()
        .find(|s| s.starts_with('^'))
        .expect("upload path pattern");
    assert!(regex.starts_with("^/api/"), "{regex}");
    for route in upload_announcements() {
        let pattern = route
            .path
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "[^/]+"
                } else {
                    segment
                }
            });
        let pattern = pattern.collect::<Vec<_>>().join("/");
        assert!(
            regex.contains(&pattern),
            "{regex} misses {} {}",
            route.method,
            route.path
        );
    }
}

/// The routes that announce an upload (each signs an upload form the worker will decode).
fn upload_announcements() -> Vec<&'static shared::http::RouteSpec> {
    let announcements: Vec<_> = ROUTES
        .iter()
        .filter(|r| r.function == "create-photo" || r.function == "create-upload-form")
        .collect();
    assert_eq!(announcements.len(), 2);
    announcements
}

#[test]
fn every_non_read_route_has_a_tighter_throttle_than_reads() {
    let template = template();
    let api = &template["Resources"]["HttpApi"]["Properties"];
    let settings = api["RouteSettings"].as_mapping().unwrap();
    let read_rate = number_default(
        &template,
        &api["DefaultRouteSettings"]["ThrottlingRateLimit"],
    );
    let read_burst = number_default(
        &template,
        &api["DefaultRouteSettings"]["ThrottlingBurstLimit"],
    );
    let throttle = |key: &str| -> (u64, u64) {
        let s = settings
            .get(key)
            .unwrap_or_else(|| panic!("no RouteSettings for {key}"));
        (
            number_default(&template, &s["ThrottlingRateLimit"]),
            number_default(&template, &s["ThrottlingBurstLimit"]),
        )
    };
    for route in ROUTES.iter().filter(|r| r.method != "GET") {
        let key = format!("{} {}", route.method, route.path);
        let (rate, burst) = throttle(&key);
        assert!(
            rate < read_rate && burst < read_burst,
            "{key}: {rate}/{burst} not tighter than reads {read_rate}/{read_burst}"
        );
    }
    let (write_rate, _) = throttle("POST /cafes/{cafeId}/reviews");
    for route in upload_announcements() {
        let (rate, _) = throttle(&format!("{} {}", route.method, route.path));
        assert!(
            rate < write_rate,
            "{}: uploads tighter than writes",
            route.path
        );
    }
    for key in settings.keys().map(|k| k.as_str().unwrap()) {
        assert!(
            ROUTES
                .iter()
                .any(|r| format!("{} {}", r.method, r.path) == key),
            "RouteSettings names no route: {key}"
        );
    }
}

/// Every alarm: (logical id, properties).
fn alarms(template: &Value) -> Vec<(String, Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
        .map(|(k, r)| (k.as_str().unwrap().to_owned(), r["Properties"].clone()))
        .collect()
}

/// The metrics an alarm watches: its own metric, or every `MetricStat` of its metric math.
fn watched_metrics(alarm: &Value) -> Vec<Value> {
    if alarm["Metrics"].is_null() {
        return vec![alarm.clone()];
    }
    alarm["Metrics"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|m| !m["MetricStat"].is_null())
        .map(|m| m["MetricStat"]["Metric"].clone())
        .collect()
}

#[test]
fn the_product_alarms_exist_and_notify() {
    let template = template();
    let all = alarms(&template);
    let find = |what: &str, matches: &dyn Fn(&Value) -> bool| -> Value {
        let found: Vec<&(String, Value)> = all.iter().filter(|(_, a)| matches(a)).collect();
        assert_eq!(found.len(), 1, "one {what} alarm");
        found[0].1.clone()
    };
    let on_api = |m: &Value| {
        m["Namespace"].as_str() == Some("AWS/ApiGateway")
            && ref_target(&m["Dimensions"][0]["Value"]).as_deref() == Some("HttpApi")
    };
    let error_rate = find("API 5xx rate", &|a| {
        let metrics = watched_metrics(a);
        let names: Vec<&str> = metrics
            .iter()
            .filter(|m| on_api(m))
            .filter_map(|m| m["MetricName"].as_str())
            .collect();
        names.contains(&"5xx") && names.contains(&"Count")
    });
    let expression = error_rate["Metrics"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|m| m["ReturnData"].as_bool() == Some(true))
        .and_then(|m| m["Expression"].as_str())
        .expect("the rate is metric math");
    assert!(expression.contains("errors / requests"), "{expression}");
    let latency = find("API p95 latency", &|a| {
        on_api(a) && a["MetricName"].as_str() == Some("Latency")
    });
    assert_eq!(latency["ExtendedStatistic"].as_str(), Some("p95"));
    assert_eq!(latency["Threshold"].as_u64(), Some(500));
    assert_eq!(
        latency["ComparisonOperator"].as_str(),
        Some("GreaterThanThreshold")
    );
    find("Lambda throttles", &|a| {
        a["Namespace"].as_str() == Some("AWS/Lambda")
            && a["MetricName"].as_str() == Some("Throttles")
    });
    find("table throttles", &|a| {
        watched_metrics(a)
            .iter()
            .any(|m| m["MetricName"].as_str() == Some("ThrottledRequests"))
    });
    let dead_letters = find("dead-letter depth", &|a| {
        a["Namespace"].as_str() == Some("AWS/SQS")
            && get_att(&a["Dimensions"][0]["Value"]).as_deref()
                == Some("PhotoDeadLetterQueue.QueueName")
    });
    assert_eq!(
        dead_letters["MetricName"].as_str(),
        Some("ApproximateNumberOfMessagesVisible")
    );
    assert_eq!(dead_letters["Threshold"].as_u64(), Some(0));
    assert_eq!(
        dead_letters["ComparisonOperator"].as_str(),
        Some("GreaterThanThreshold")
    );
    for (name, alarm) in &all {
        let actions: Vec<String> = alarm["AlarmActions"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name} notifies nobody"))
            .iter()
            .filter_map(ref_target)
            .collect();
        assert_eq!(actions, ["AlarmTopic"], "{name}");
    }
}

/// No alarm watches a resource the template does not create: every `!Ref`/`!GetAtt` in an
/// alarm's dimensions names a resource here (or a parameter, for the table of a secondary stack).
#[test]
fn alarms_watch_only_resources_that_exist() {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let parameters = template["Parameters"].as_mapping().unwrap();
    fn targets(value: &Value, out: &mut Vec<String>) {
        match value {
            // `!Ref PartnerApi.Stage` (SAM's name for an API's stage) targets PartnerApi.
            Value::Tagged(tagged) if tagged.tag == "!Ref" => {
                out.extend(
                    tagged
                        .value
                        .as_str()
                        .and_then(|s| s.split('.').next())
                        .map(str::to_owned),
                );
            }
            Value::Tagged(tagged) if tagged.tag == "!GetAtt" => {
                out.extend(
                    tagged
                        .value
                        .as_str()
                        .and_then(|s| s.split('.').next())
                        .map(str::to_owned),
                );
            }
            Value::Tagged(tagged) => targets(&tagged.value, out),
            Value::Sequence(items) => items.iter().for_each(|v| targets(v, out)),
            Value::Mapping(map) => map.values().for_each(|v| targets(v, out)),
            _ => {}
        }
    }
    for (name, alarm) in alarms(&template) {
        let mut named = Vec::new();
        for metric in watched_metrics(&alarm) {
            targets(&metric["Dimensions"], &mut named);
        }
        for target in named {
            assert!(
                resources.contains_key(target.as_str()) || parameters.contains_key(target.as_str()),
                "{name} watches {target}, which this template does not define"
            );
        }
    }
}

/// The photo worker must unwind on panic (a codec panic fails one photo, not the batch), while
/// the workspace release profile aborts. SAM builds it with `cargo lambda build --release
/// --bin <Binary>` in its folder; for a build named by its binary, cargo-lambda applies the
/// package's `[package.metadata.lambda.build.env]`, which overrides the release profile's panic
/// strategy for that build only (docs/photos.md).
#[test]
fn the_photo_worker_is_built_to_unwind() {
    let template = template();
    let worker = &template["Resources"]["ResizeImageFunction"];
    assert_eq!(
        worker["Metadata"]["BuildMethod"].as_str(),
        Some("rust-cargolambda")
    );
    assert_eq!(
        worker["Metadata"]["BuildProperties"]["Binary"].as_str(),
        Some("resize-image"),
        "SAM must name the binary, or cargo-lambda ignores the package's build settings"
    );
    assert_eq!(
        worker["Properties"]["CodeUri"].as_str(),
        Some("functions/resize-image")
    );

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(tests::repo_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let package = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "resize-image")
        .unwrap();
    assert_eq!(
        package["metadata"]["lambda"]["build"]["env"]["CARGO_PROFILE_RELEASE_PANIC"],
        "unwind"
    );
    // `make build` (scripts/lambda-build.sh) builds every function as SAM does: in its own
    // directory, by its binary name, so the worker's package settings apply.
    let makefile = std::fs::read_to_string(tests::repo_root().join("Makefile")).unwrap();
    assert!(
        makefile.contains("build: venv\n\tscripts/lambda-build.sh"),
        "make build must run scripts/lambda-build.sh"
    );
    let script =
        std::fs::read_to_string(tests::repo_root().join("scripts/lambda-build.sh")).unwrap();
    assert!(
        script.contains(
            "(cd \"functions/$f\" && cargo lambda build --release --arm64 --output-format zip --locked --bin \"$f\")"
        ),
        "scripts/lambda-build.sh must build each function in its directory by its binary name"
    );
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
        let expected =
            if WORKERS.contains(&name.as_str()) || STREAM_CONSUMERS.contains(&name.as_str()) {
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
    assert_eq!(checked, 46, "every function checked");
}

#[test]
fn the_one_percent_canary_is_a_time_based_canary_of_one_percent_and_the_default() {
    let template = template();
    assert_eq!(
        template["Parameters"]["DeploymentType"]["Default"].as_str(),
        Some("Canary1Percent10Minutes")
    );
    let config = &template["Resources"]["OnePercentCanary"];
    assert_eq!(
        config["Type"].as_str(),
        Some("AWS::CodeDeploy::DeploymentConfig")
    );
    let routing = &config["Properties"]["TrafficRoutingConfig"];
    assert_eq!(
        config["Properties"]["ComputePlatform"].as_str(),
        Some("Lambda")
    );
    assert_eq!(routing["Type"].as_str(), Some("TimeBasedCanary"));
    assert_eq!(
        routing["TimeBasedCanary"]["CanaryPercentage"].as_u64(),
        Some(1)
    );
    assert!(
        routing["TimeBasedCanary"]["CanaryInterval"]
            .as_u64()
            .unwrap()
            >= 5
    );
}

/// The AppConfig resources hold infra/flags.json (what the local server reads), and every
/// function that reads flags has the agent layer, prefetches exactly its flag document, may read
/// only that document, and writes only experiment events.
#[test]
fn flags_come_from_appconfig_through_the_agent_layer_with_the_local_document() {
    let template = template();
    let resources = &template["Resources"];
    let content = resources["FlagsVersion"]["Properties"]["Content"]
        .as_str()
        .unwrap();
    let deployed: serde_json::Value = serde_json::from_str(content).unwrap();
    let local: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tests::repo_root().join("infra/flags.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        deployed, local,
        "template.yaml FlagsVersion = infra/flags.json"
    );
    assert_eq!(
        shared::experiments::FlagSet::parse(content.as_bytes()).unwrap(),
        shared::experiments::FlagSet::parse(local_server::DEFAULT_FLAGS.as_bytes()).unwrap()
    );
    assert_eq!(
        resources["FlagsProfile"]["Properties"]["Type"].as_str(),
        Some("AWS.AppConfig.FeatureFlags")
    );
    let deployment = &resources["FlagsDeployment"]["Properties"];
    for (property, target) in [
        ("ApplicationId", "FlagsApplication"),
        ("EnvironmentId", "FlagsEnvironment"),
        ("ConfigurationProfileId", "FlagsProfile"),
        ("ConfigurationVersion", "FlagsVersion"),
        ("DeploymentStrategyId", "FlagsDeploymentStrategy"),
    ] {
        assert_eq!(ref_target(&deployment[property]).as_deref(), Some(target));
    }
    assert!(
        !resources["FlagsEnvironment"]["Properties"]["Monitors"].is_null(),
        "a flag deployment is watched by an alarm"
    );
    // Every region in the layer mapping has an arm64 ARN of the agent.
    let mapping = template["Mappings"]["AppConfigExtension"]
        .as_mapping()
        .unwrap();
    assert!(mapping.contains_key("us-east-1"));
    for (region, arns) in mapping {
        let arn = arns["Arm64"].as_str().unwrap();
        let region = region.as_str().unwrap();
        assert!(
            arn.starts_with(&format!("arn:aws:lambda:{region}:"))
                && arn.contains(":layer:AWS-AppConfig-Extension-Arm64:"),
            "{region}: {arn}"
        );
    }

    let readers: Vec<(String, Value)> = functions(&template)
        .into_iter()
        .filter(|(_, f)| {
            !f["Properties"]["Environment"]["Variables"]["CRAFTBEAN_FLAGS_PATH"].is_null()
        })
        .collect();
    let names: Vec<&str> = readers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["NearbyCafesFunction", "GetMyExperimentsFunction"]);
    for (name, function) in &readers {
        let props = &function["Properties"];
        let vars = &props["Environment"]["Variables"];
        assert_eq!(
            vars["CRAFTBEAN_FLAGS_PATH"], vars["AWS_APPCONFIG_EXTENSION_PREFETCH_LIST"],
            "{name}: prefetches the document it reads"
        );
        let path = strings(&vars["CRAFTBEAN_FLAGS_PATH"]).join("");
        assert!(
            path.starts_with("/applications/${FlagsApplication}/environments/${FlagsEnvironment}/configurations/${FlagsProfile}"),
            "{name}: {path}"
        );
        let layers = strings(&props["Layers"]);
        assert!(
            layers.iter().any(|l| l == "AppConfigExtension")
                && layers.iter().any(|l| l == "AppConfigExtensionLayerArn"),
            "{name}: the agent layer from the mapping or the parameter: {layers:?}"
        );
        let read_flags: Vec<Value> = props["Policies"]
            .as_sequence()
            .unwrap()
            .iter()
            .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
            .filter(|s| {
                strings(&s["Action"])
                    .iter()
                    .any(|a| a.starts_with("appconfig:"))
            })
            .collect();
        assert_eq!(read_flags.len(), 1, "{name}");
        let resource = strings(&read_flags[0]["Resource"]).join("");
        assert!(
            resource.ends_with("application/${FlagsApplication}/environment/${FlagsEnvironment}/configuration/${FlagsProfile}"),
            "{name}: {resource}"
        );
    }
}
