//! The web app's side of template.yaml: the Cognito hosted UI (domain, a public client with the
//! authorization-code flow whose redirects are on the distribution, trusted by the API's JWT
//! authorizer), the CloudFront function that serves the app shell for the app's routes (run
//! under Node against a table of paths), long-cached `/assets/*`, and the hosted UI's output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_yaml::Value;

fn template() -> Value {
    let text = std::fs::read_to_string(tests::repo_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// Every string inside `value`, intrinsic functions included.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        Value::Mapping(map) => map.values().flat_map(strings).collect(),
        Value::Tagged(tagged) => strings(&tagged.value),
        _ => Vec::new(),
    }
}

fn seq_strs(value: &Value) -> Vec<&str> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("a list, got {value:?}"))
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

#[test]
fn the_web_client_signs_in_through_the_hosted_ui_on_the_distribution() {
    let template = template();
    let resources = &template["Resources"];

    let domain = &resources["UserPoolDomain"];
    assert_eq!(
        domain["Type"].as_str(),
        Some("AWS::Cognito::UserPoolDomain")
    );
    assert_eq!(domain["Condition"].as_str(), Some("CreateUserPool"));
    let prefix = strings(&domain["Properties"]["Domain"]);
    assert!(
        prefix.iter().any(|s| s == "AuthDomainPrefix")
            && prefix.iter().any(|s| s == "AWS::StackId"),
        "the prefix is the parameter, else derived from the stack id: {prefix:?}"
    );

    let client = &resources["WebClient"]["Properties"];
    assert_eq!(
        resources["WebClient"]["Type"].as_str(),
        Some("AWS::Cognito::UserPoolClient")
    );
    assert_eq!(
        client["GenerateSecret"].as_bool(),
        Some(false),
        "a browser app is a public client"
    );

    // The custom resource applies the very same settings plus OAuth, so a change to one is a
    // change to both (the YAML alias makes them one mapping).
    let hosted = &resources["WebClientHostedUi"];
    assert_eq!(
        hosted["Properties"]["Client"], *client,
        "WebClientHostedUi.Client must be the WebClient's own settings (*WebClientSettings)"
    );
    let oauth = &hosted["Properties"]["OAuth"];
    assert_eq!(
        oauth["AllowedOAuthFlowsUserPoolClient"].as_bool(),
        Some(true)
    );
    assert_eq!(
        seq_strs(&oauth["AllowedOAuthFlows"]),
        ["code"],
        "authorization code only"
    );
    let mut scopes = seq_strs(&oauth["AllowedOAuthScopes"]);
    scopes.sort_unstable();
    assert_eq!(scopes, ["email", "openid", "profile"]);
    let callbacks = strings(&oauth["CallbackURLs"]);
    assert!(
        callbacks
            .iter()
            .any(|u| u == "https://${CdnDistribution.DomainName}/auth/callback")
    );
    assert!(
        callbacks
            .iter()
            .any(|u| u == "https://${WebAppDomain}/auth/callback")
    );
    let logouts = strings(&oauth["LogoutURLs"]);
    assert!(
        logouts
            .iter()
            .any(|u| u == "https://${CdnDistribution.DomainName}/")
    );
    assert!(logouts.iter().any(|u| u == "https://${WebAppDomain}/"));
    assert!(
        strings(&hosted["Properties"]["ClientId"]).contains(&"WebClient".to_owned()),
        "the custom resource updates WebClient"
    );

    // Its role may update clients of this pool only.
    let role = &resources["WebClientHostedUiRole"]["Properties"];
    let statements: Vec<&Value> = role["Policies"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|p| p["PolicyDocument"]["Statement"].as_sequence().unwrap())
        .collect();
    let actions: Vec<String> = statements
        .iter()
        .flat_map(|s| strings(&s["Action"]))
        .collect();
    assert!(actions.iter().all(|a| !a.contains('*')), "{actions:?}");
    assert!(actions.contains(&"cognito-idp:UpdateUserPoolClient".to_owned()));
    for statement in statements {
        assert!(
            strings(&statement["Resource"])
                .iter()
                .all(|r| !r.contains('*')),
            "no wildcard resource: {statement:?}"
        );
    }

    // The API accepts the web client's tokens, here and (by parameter) in secondary regions.
    let audience = strings(
        &resources["HttpApi"]["Properties"]["Auth"]["Authorizers"]["CognitoAuthorizer"]["JwtConfiguration"]
            ["audience"],
    );
    for target in ["WebClient", "ExistingWebClientId", "UserPoolClient"] {
        assert!(
            audience.iter().any(|a| a == target),
            "the authorizer's audience names {target}: {audience:?}"
        );
    }
}

/// What the SPA function turns `uri` into, run by Node.
fn spa_rewrite(code: &str, uris: &[&str]) -> Vec<String> {
    let script = format!(
        "{code}\nconst uris = {uris};\nfor (const uri of uris) {{\n  const out = handler({{ request: {{ uri, method: 'GET', querystring: {{}}, headers: {{}} }} }});\n  console.log(out.uri);\n}}\n",
        uris = serde_json::to_string(uris).unwrap()
    );
    let mut child = Command::new("node")
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs the CloudFront function (Node is needed for the web app anyway)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "node failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn app_routes_get_the_app_shell_and_files_pass_through() {
    let template = template();
    let resources = &template["Resources"];
    let function = &resources["SpaRoutesFunction"]["Properties"];
    assert_eq!(
        function["FunctionConfig"]["Runtime"].as_str(),
        Some("cloudfront-js-2.0")
    );
    let code = function["FunctionCode"].as_str().unwrap();
    let cases = [
        ("/", "/index.html"),
        ("/cafe/caf_01HXYZ", "/index.html"),
        ("/saved", "/index.html"),
        ("/auth/callback", "/index.html"),
        ("/users/usr_abc/reviews/", "/index.html"),
        ("/index.html", "/index.html"),
        ("/app-config.json", "/app-config.json"),
        ("/favicon.svg", "/favicon.svg"),
        ("/assets/index-3f2a9c.js", "/assets/index-3f2a9c.js"),
        ("/robots.txt", "/robots.txt"),
    ];
    let uris: Vec<&str> = cases.iter().map(|(uri, _)| *uri).collect();
    let rewritten = spa_rewrite(code, &uris);
    for ((uri, expected), got) in cases.iter().zip(&rewritten) {
        assert_eq!(got, expected, "{uri}");
    }
    assert_eq!(rewritten.len(), cases.len());

    let config = &resources["CdnDistribution"]["Properties"]["DistributionConfig"];
    // On the default behaviour (the web bucket), at viewer request.
    let default = &config["DefaultCacheBehavior"];
    assert_eq!(default["TargetOriginId"].as_str(), Some("web"));
    let associations = default["FunctionAssociations"].as_sequence().unwrap();
    assert!(associations.iter().any(|a| {
        a["EventType"].as_str() == Some("viewer-request")
            && strings(&a["FunctionARN"])
                .iter()
                .any(|s| s == "SpaRoutesFunction.FunctionARN")
    }));
    // No error page rewrites a status: the API's own 403/404 problem bodies must pass through.
    assert!(
        config["CustomErrorResponses"].is_null(),
        "custom error responses would apply to /api/* too"
    );
    // Missing files are 404s, not 403s: the distribution may list the web bucket.
    let policy = strings(&resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]);
    assert!(policy.iter().any(|s| s == "s3:ListBucket"));

    // Hashed assets: the web bucket, a caching policy, no rewrite.
    let behaviours = config["CacheBehaviors"].as_sequence().unwrap();
    let assets = behaviours
        .iter()
        .find(|b| b["PathPattern"].as_str() == Some("/assets/*"))
        .expect("an /assets/* behaviour");
    assert_eq!(assets["TargetOriginId"].as_str(), Some("web"));
    assert_eq!(
        assets["CachePolicyId"].as_str(),
        Some("658327ea-f89d-4fab-a63d-7e88639e58f6"),
        "CachingOptimized honours the year-long Cache-Control of hashed assets"
    );
    assert!(assets["FunctionAssociations"].is_null());
}

#[test]
fn the_hosted_ui_domain_is_an_output() {
    // `xtask deploy-web` checks that every output it reads exists (its STACK_OUTPUTS); here:
    // the domain is the hosted UI's URL in the pool's region, and empty where no pool is made.
    let template = template();
    let value = &template["Outputs"]["AuthDomain"]["Value"];
    assert!(
        strings(value)
            .iter()
            .any(|s| s == "https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"),
        "{value:?}"
    );
    assert!(strings(value).iter().any(|s| s == "CreateUserPool"));
}
