//! The partner REST API's deployment in template.yaml: keys required on every method, one
//! usage plan per tier whose edge limits match `Tier::default_limits` (with the documented
//! headroom), stage throttling, access logs and tracing, the regional web ACL on the stage,
//! the CloudFront `/partner/*` behaviour, API Gateway's own refusals as documented problems,
//! and the partner alarms and dashboard on the metrics the gate emits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_yaml::Value;
use shared::domain::partner::Tier;
use tests::template_yaml::{strings, template};

fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    let r = &template["Resources"][name];
    assert!(!r.is_null(), "{name} missing");
    r
}

fn ref_target(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(t) if t.tag == "!Ref" => t.value.as_str().map(str::to_owned),
        _ => None,
    }
}

fn number(template: &Value, value: &Value) -> u64 {
    if let Some(n) = value.as_u64() {
        return n;
    }
    let parameter = ref_target(value).expect("a number or a !Ref to a parameter");
    let default = &template["Parameters"][parameter.as_str()]["Default"];
    default
        .as_u64()
        .or_else(|| default.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("{parameter} has no numeric default"))
}

/// The edge's quota: the tier's plus 10 % headroom (API Gateway's quotas are targets and also
/// count requests our gate refuses), never below the tier's own.
fn edge_quota(quota: u64) -> u64 {
    quota + quota / 10
}

#[test]
fn every_tier_has_a_usage_plan_with_its_limits_on_the_partner_stage() {
    let template = template();
    for (tier, plan) in [
        (Tier::Free, "PartnerFreePlan"),
        (Tier::Standard, "PartnerStandardPlan"),
        (Tier::Enterprise, "PartnerEnterprisePlan"),
    ] {
        let plan = resource(&template, plan);
        assert_eq!(plan["Type"].as_str(), Some("AWS::ApiGateway::UsagePlan"));
        let props = &plan["Properties"];
        let limits = tier.default_limits();
        let stage = &props["ApiStages"][0];
        assert_eq!(ref_target(&stage["ApiId"]).as_deref(), Some("PartnerApi"));
        assert_eq!(
            ref_target(&stage["Stage"]).as_deref(),
            Some("PartnerApi.Stage")
        );
        let rate = number(&template, &props["Throttle"]["RateLimit"]);
        assert_eq!(rate, u64::from(limits.per_second), "{tier:?}: rate per key");
        assert!(number(&template, &props["Throttle"]["BurstLimit"]) >= rate);
        let quota = number(&template, &props["Quota"]["Limit"]);
        let (expected, period) = match (limits.per_day, limits.per_month) {
            (Some(day), _) => (day, "DAY"),
            (None, Some(month)) => (month, "MONTH"),
            (None, None) => panic!("{tier:?} has no quota"),
        };
        assert_eq!(props["Quota"]["Period"].as_str(), Some(period), "{tier:?}");
        assert_eq!(quota, edge_quota(expected), "{tier:?}: quota with headroom");
    }
}

#[test]
fn the_partner_api_requires_keys_throttles_its_stage_logs_and_traces() {
    let template = template();
    let api = resource(&template, "PartnerApi");
    assert_eq!(api["Type"].as_str(), Some("AWS::Serverless::Api"));
    let props = &api["Properties"];
    assert_eq!(props["Auth"]["ApiKeyRequired"].as_bool(), Some(true));
    assert!(props["Auth"]["DefaultAuthorizer"].is_null());
    assert_eq!(props["TracingEnabled"].as_bool(), Some(true));
    assert_eq!(
        props["EndpointConfiguration"]["Type"].as_str(),
        Some("REGIONAL")
    );
    let settings = &props["MethodSettings"][0];
    assert_eq!(settings["ResourcePath"].as_str(), Some("/*"));
    assert_eq!(settings["HttpMethod"].as_str(), Some("*"));
    assert!(number(&template, &settings["ThrottlingRateLimit"]) > 0);
    assert!(number(&template, &settings["ThrottlingBurstLimit"]) > 0);
    assert_eq!(settings["MetricsEnabled"].as_bool(), Some(true));
    assert_eq!(
        settings["DataTraceEnabled"].as_bool(),
        Some(false),
        "no bodies in logs"
    );
    let log_group = strings(&props["AccessLogSetting"]["DestinationArn"]);
    assert!(
        log_group
            .iter()
            .any(|s| s.contains("PartnerApiAccessLogGroup")),
        "{log_group:?}"
    );
    let format = props["AccessLogSetting"]["Format"].as_str().unwrap();
    assert!(format.contains("$context.identity.apiKeyId"));
    assert!(
        !format.contains("$context.identity.apiKey\""),
        "never the key's value"
    );
    // REST API logs need the account's CloudWatch role, set before the API's stage exists.
    assert_eq!(api["DependsOn"].as_str(), Some("PartnerApiAccount"));
    assert_eq!(
        resource(&template, "PartnerApiAccount")["Type"].as_str(),
        Some("AWS::ApiGateway::Account")
    );
}

#[test]
fn the_partner_stage_is_behind_a_regional_web_acl() {
    let template = template();
    let acl = resource(&template, "PartnerWebAcl");
    assert_eq!(acl["Properties"]["Scope"].as_str(), Some("REGIONAL"));
    assert!(acl["Condition"].is_null(), "every region's stack has one");
    let association = &resource(&template, "PartnerWebAclAssociation")["Properties"];
    let target = strings(&association["ResourceArn"]).join(" ");
    assert!(
        target.contains("/restapis/${PartnerApi}/stages/${PartnerApi.Stage}"),
        "{target}"
    );
    assert!(
        strings(&association["WebACLArn"])
            .iter()
            .any(|s| s.starts_with("PartnerWebAcl"))
    );
    let rules = acl["Properties"]["Rules"].as_sequence().unwrap();
    let managed: Vec<&str> = rules
        .iter()
        .filter_map(|r| r["Statement"]["ManagedRuleGroupStatement"]["Name"].as_str())
        .collect();
    assert!(managed.contains(&"AWSManagedRulesKnownBadInputsRuleSet"));
    assert!(managed.contains(&"AWSManagedRulesCommonRuleSet"));
    let per_key = rules
        .iter()
        .find(|r| !r["Statement"]["RateBasedStatement"].is_null())
        .expect("a rate rule");
    let statement = &per_key["Statement"]["RateBasedStatement"];
    assert_eq!(
        statement["CustomKeys"][0]["Header"]["Name"].as_str(),
        Some(shared::http::partner::API_KEY_HEADER),
        "behind CloudFront every source IP is an edge's: the cap counts per key"
    );
    // Above every tier's legitimate rate over the 5-minute window.
    let cap = number(&template, &statement["Limit"]);
    let enterprise = u64::from(Tier::Enterprise.default_limits().per_second);
    assert!(cap > enterprise * 300, "{cap}");
}

#[test]
fn cloudfront_sends_partner_paths_uncached_to_the_partner_stage() {
    let template = template();
    let config = &resource(&template, "CdnDistribution")["Properties"]["DistributionConfig"];
    let origin = config["Origins"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|o| o["Id"].as_str() == Some("partner-api"))
        .expect("partner-api origin");
    assert!(strings(&origin["DomainName"])[0].starts_with("${PartnerApi}.execute-api."));
    assert_eq!(strings(&origin["OriginPath"]), ["/${PartnerStageName}"]);
    // The stage the origin path names is the API's.
    assert_eq!(
        ref_target(&resource(&template, "PartnerApi")["Properties"]["StageName"]).as_deref(),
        Some("PartnerStageName")
    );
    let behaviour = config["CacheBehaviors"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|b| b["PathPattern"].as_str() == Some("/partner/*"))
        .expect("/partner/* behaviour");
    assert_eq!(behaviour["TargetOriginId"].as_str(), Some("partner-api"));
    // Managed CachingDisabled; AllViewerExceptHostHeader forwards x-api-key and the query.
    assert_eq!(
        behaviour["CachePolicyId"].as_str(),
        Some("4135ea2d-6df8-44a3-9df3-4b5a84be39ad")
    );
    assert_eq!(
        behaviour["OriginRequestPolicyId"].as_str(),
        Some("b689b0a8-53d0-40ab-baf2-68738e2966ac")
    );
    assert_eq!(
        behaviour["ViewerProtocolPolicy"].as_str(),
        Some("https-only")
    );
}

/// API Gateway answers some refusals itself (unknown key, its usage-plan limits, a path it has
/// no method for): each is a problem+json body of the type the gate uses, valid against
/// infra/partner-openapi.yaml once API Gateway fills in its `$context` variables.
#[test]
fn the_gateways_own_refusals_are_documented_problems() {
    let template = template();
    let responses = &resource(&template, "PartnerApi")["Properties"]["GatewayResponses"];
    for (kind, status, problem) in [
        ("INVALID_API_KEY", 401, "invalid-api-key"),
        ("THROTTLED", 429, "rate-limited"),
        ("QUOTA_EXCEEDED", 429, "rate-limited"),
        ("MISSING_AUTHENTICATION_TOKEN", 404, "route-not-found"),
        ("API_CONFIGURATION_ERROR", 503, "unavailable"),
    ] {
        let response = &responses[kind];
        assert_eq!(
            response["StatusCode"].as_str(),
            Some(status.to_string().as_str()),
            "{kind}"
        );
        assert_eq!(
            response["ResponseParameters"]["Headers"]["Content-Type"].as_str(),
            Some("'application/problem+json'"),
            "{kind}"
        );
        let body = response["ResponseTemplates"]["application/json"]
            .as_str()
            .unwrap()
            .replace("$context.path", "/partner/v1/usage")
            .replace("$context.requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
        let body: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{kind}: {e}: {body}"));
        assert_eq!(
            body["type"],
            format!("{}{problem}", shared::http::PROBLEM_BASE),
            "{kind}"
        );
        assert_eq!(body["status"], status, "{kind}");
        tests::openapi::assert_partner_response(
            "/partner/v1/usage",
            "GET",
            status,
            "application/problem+json",
            &body,
        );
    }
    assert_eq!(
        responses["INVALID_API_KEY"]["ResponseParameters"]["Headers"]["WWW-Authenticate"].as_str(),
        Some("'ApiKey header=\"x-api-key\"'")
    );
}

#[test]
fn partner_alarms_watch_5xx_latency_and_refusals_and_the_dashboard_shows_the_gate_metrics() {
    let template = template();
    let props = |name: &str| resource(&template, name)["Properties"].clone();
    let api_name = |dimensions: &Value| {
        dimensions.as_sequence().into_iter().flatten().any(|d| {
            d["Name"].as_str() == Some("ApiName")
                && strings(&d["Value"]) == ["${AWS::StackName}-partner-api"]
        })
    };
    assert_eq!(
        strings(&resource(&template, "PartnerApi")["Properties"]["Name"]),
        ["${AWS::StackName}-partner-api"]
    );
    let errors = props("PartnerApiServerErrorRateAlarm");
    let metrics = errors["Metrics"].as_sequence().unwrap();
    let watched: Vec<&str> = metrics
        .iter()
        .filter(|m| api_name(&m["MetricStat"]["Metric"]["Dimensions"]))
        .filter_map(|m| m["MetricStat"]["Metric"]["MetricName"].as_str())
        .collect();
    assert_eq!(watched, ["5XXError", "Count"]);
    let latency = props("PartnerApiLatencyAlarm");
    assert!(api_name(&latency["Dimensions"]));
    assert_eq!(latency["MetricName"].as_str(), Some("Latency"));
    assert_eq!(latency["ExtendedStatistic"].as_str(), Some("p95"));
    let throttles = props("PartnerApiThrottlesAlarm");
    assert_eq!(
        throttles["Namespace"].as_str(),
        Some(shared::http::partner::EMF_NAMESPACE)
    );
    assert_eq!(
        throttles["MetricName"].as_str(),
        Some(shared::http::partner::METRIC_RATE_LIMITED)
    );
    let body = props("PartnerDashboard")["DashboardBody"].clone();
    let Value::Tagged(sub) = body else {
        panic!("DashboardBody is a !Sub [body, variables]")
    };
    let dashboard = sub.value[0].as_str().unwrap().to_owned();
    for metric in shared::http::partner::PARTNER_METRICS {
        assert!(
            dashboard.contains(&format!("MetricName=\\\"{metric}\\\"")),
            "the dashboard shows {metric}"
        );
    }
    assert!(dashboard.contains(&format!(
        "{{{},Partner,Route}}",
        shared::http::partner::EMF_NAMESPACE
    )));
    // The body is JSON (CloudFormation's substitutions stay inside strings).
    serde_json::from_str::<serde_json::Value>(&dashboard)
        .unwrap_or_else(|e| panic!("dashboard body is not JSON: {e}"));
}
