//! Multi-region routing in template.yaml: optional (every routing resource is conditional on
//! `ApiDomainName`, so a single-region deploy is unchanged), a health check on this region's own
//! `/health`, latency records guarded by it and withdrawn while the region is drained, and the
//! distribution's `/api/*` origin following the shared name. (`make test` also runs sam validate,
//! cfn-lint and checkov on a copy with the routing parameters set: scripts/template-routed.py.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_yaml::Value;
use tests::template_yaml::{strings, template};

/// Resources of these types exist only for routing.
const ROUTING_TYPES: [&str; 5] = [
    "AWS::CertificateManager::Certificate",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::ApiGatewayV2::ApiMapping",
    "AWS::Route53::HealthCheck",
    "AWS::Route53::RecordSet",
];

#[test]
fn routing_is_optional_and_off_by_default() {
    let template = template();
    for name in ["ApiDomainName", "HostedZoneId"] {
        assert_eq!(
            template["Parameters"][name]["Default"].as_str(),
            Some(""),
            "{name} defaults to empty: one region, one command"
        );
    }
    assert_eq!(
        template["Parameters"]["RegionDrained"]["Default"].as_str(),
        Some("false")
    );
    let routes = strings(&template["Conditions"]["RoutesApi"]);
    assert!(routes.iter().any(|s| s == "ApiDomainName"), "{routes:?}");
    let mut seen = 0;
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        if !ROUTING_TYPES.contains(&resource["Type"].as_str().unwrap_or_default()) {
            continue;
        }
        seen += 1;
        let condition = resource["Condition"].as_str();
        assert!(
            matches!(condition, Some("RoutesApi" | "ServesRoutedTraffic")),
            "{name} must exist only with routing on, has condition {condition:?}"
        );
    }
    assert_eq!(
        seen, 6,
        "certificate, domain, mapping, health check, A and AAAA records"
    );
    // Both parameters or neither.
    for rule in ["ApiDomainNeedsHostedZone", "HostedZoneNeedsApiDomain"] {
        assert!(template["Rules"][rule].is_mapping(), "rule {rule}");
    }
}

#[test]
fn the_health_check_probes_this_regions_own_health_route() {
    let template = template();
    let check = &template["Resources"]["ApiHealthCheck"]["Properties"]["HealthCheckConfig"];
    assert_eq!(check["Type"].as_str(), Some("HTTPS"));
    assert_eq!(check["EnableSNI"].as_bool(), Some(true));
    // The region's own endpoint, never the shared name (which resolves to the nearest region).
    let host = strings(&check["FullyQualifiedDomainName"]);
    assert_eq!(
        host,
        ["${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"]
    );
    let path = strings(&check["ResourcePath"]);
    assert!(path.iter().any(|p| p == "/health"), "{path:?}");
    assert!(
        shared::http::ROUTES
            .iter()
            .any(|r| r.method == "GET" && r.path == "/health"),
        "the probed path is a route"
    );
    // The figures docs/deploy.md's RTO is computed from.
    assert_eq!(check["RequestInterval"].as_u64(), Some(10));
    assert_eq!(check["FailureThreshold"].as_u64(), Some(3));
}

#[test]
fn latency_records_follow_the_health_check_and_leave_when_drained() {
    let template = template();
    let resources = &template["Resources"];
    let mut types = Vec::new();
    for (name, resource) in resources.as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Route53::RecordSet") {
            continue;
        }
        let name = name.as_str().unwrap();
        let props = &resource["Properties"];
        assert_eq!(
            resource["Condition"].as_str(),
            Some("ServesRoutedTraffic"),
            "{name}"
        );
        assert_eq!(strings(&props["Name"]), ["ApiDomainName"], "{name}");
        assert_eq!(
            strings(&props["Region"]),
            ["AWS::Region"],
            "{name}: latency record"
        );
        assert_eq!(strings(&props["SetIdentifier"]), ["AWS::Region"], "{name}");
        assert_eq!(
            strings(&props["HealthCheckId"]),
            ["ApiHealthCheck"],
            "{name}"
        );
        assert!(
            strings(&props["AliasTarget"]["DNSName"])
                .iter()
                .any(|s| s == "ApiDomain.RegionalDomainName"),
            "{name}: aliases this region's custom domain"
        );
        types.push(props["Type"].as_str().unwrap().to_owned());
    }
    types.sort();
    assert_eq!(types, ["A", "AAAA"]);
    let serves = strings(&template["Conditions"]["ServesRoutedTraffic"]);
    assert!(serves.iter().any(|s| s == "RegionDrained"), "{serves:?}");

    // The custom domain uses its own certificate, TLS 1.2, and maps this stack's API.
    let domain = &resources["ApiDomain"]["Properties"];
    let config = &domain["DomainNameConfigurations"][0];
    assert_eq!(config["EndpointType"].as_str(), Some("REGIONAL"));
    assert_eq!(config["SecurityPolicy"].as_str(), Some("TLS_1_2"));
    assert_eq!(strings(&config["CertificateArn"]), ["ApiCertificate"]);
    let certificate = &resources["ApiCertificate"]["Properties"];
    assert_eq!(certificate["ValidationMethod"].as_str(), Some("DNS"));
    assert_eq!(
        strings(&resources["ApiDomainMapping"]["Properties"]["ApiId"]),
        ["HttpApi"]
    );
}

#[test]
fn the_api_origin_follows_the_latency_record_when_routing_is_on() {
    let template = template();
    let origins =
        template["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]["Origins"]
            .as_sequence()
            .unwrap();
    let api = origins
        .iter()
        .find(|o| o["Id"].as_str() == Some("api"))
        .unwrap();
    let Value::Tagged(tagged) = &api["DomainName"] else {
        panic!("the api origin's DomainName must be !If [RoutesApi, …]");
    };
    assert_eq!(tagged.tag, "!If");
    let branches = tagged.value.as_sequence().unwrap();
    assert_eq!(branches[0].as_str(), Some("RoutesApi"));
    assert_eq!(strings(&branches[1]), ["ApiDomainName"]);
    assert_eq!(
        strings(&branches[2]),
        ["${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"]
    );
    // The origin secret travels to whichever region answers: every stack must share it.
    let headers = strings(&api["OriginCustomHeaders"]);
    assert!(headers.iter().any(|h| h == "OriginSecret"));
}
