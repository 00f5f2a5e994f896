//! The web app's side of template.yaml: the Cognito hosted UI (domain, a public client with the
//! authorization-code flow whose redirects are on the distribution, trusted by the API's JWT
//! authorizer), the CloudFront function that serves the app shell for the app's routes (run
//! under Node against a table of paths), long-cached `/assets/*`, and the hosted UI's output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_yaml::Value;
use tests::template_yaml::{strings, template};

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

/// `value` with every scalar as a string, as CloudFormation hands a custom resource its
/// properties, and the two intrinsics of the client settings resolved.
fn as_cloudformation_sends(value: &Value, pool: &str) -> serde_json::Value {
    match value {
        Value::Tagged(tagged) if tagged.tag == "!Ref" => serde_json::json!(pool),
        Value::Tagged(tagged) if tagged.tag == "!Sub" => {
            serde_json::json!(
                tagged
                    .value
                    .as_str()
                    .unwrap()
                    .replace("${AWS::StackName}", "stack")
            )
        }
        Value::Mapping(map) => map
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().unwrap().to_owned(),
                    as_cloudformation_sends(v, pool),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Sequence(items) => items
            .iter()
            .map(|v| as_cloudformation_sends(v, pool))
            .collect(),
        Value::Bool(b) => serde_json::json!(b.to_string()),
        Value::Number(n) => serde_json::json!(n.to_string()),
        Value::String(s) => serde_json::json!(s),
        other => panic!("unexpected {other:?}"),
    }
}

/// Runs the custom resource's own code (the template's inline Python, with a `cfnresponse`
/// stand-in that records the answer) against moto's Cognito: the settings mapping must be a
/// valid `UpdateUserPoolClient` call once CloudFormation has stringified it, and a failure must
/// be reported to CloudFormation rather than left to time out.
#[test]
fn the_hosted_ui_custom_resource_applies_the_settings_over_moto() {
    let endpoint = tests::aws_endpoint();
    let template = template();
    let resources = &template["Resources"];
    let code = resources["WebClientHostedUiFunction"]["Properties"]["Code"]["ZipFile"]
        .as_str()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.py"), code).unwrap();
    std::fs::write(
        dir.path().join("cfnresponse.py"),
        "import json\nSUCCESS = 'SUCCESS'\nFAILED = 'FAILED'\nANSWERS = []\n\
         def send(event, context, status, data, physical, reason=None):\n    \
         ANSWERS.append({'status': status, 'physical': physical, 'reason': reason})\n",
    )
    .unwrap();
    let client = &resources["WebClient"]["Properties"];
    let oauth = serde_json::json!({
        "AllowedOAuthFlowsUserPoolClient": "true",
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email", "profile"],
        "CallbackURLs": ["https://d111.cloudfront.net/auth/callback"],
        "LogoutURLs": ["https://d111.cloudfront.net/"],
    });
    let settings = as_cloudformation_sends(client, "POOL");
    let driver = format!(
        r#"
import json, sys, boto3
sys.path.insert(0, {dir:?})
import index, cfnresponse
idp = boto3.client("cognito-idp", endpoint_url={endpoint:?}, region_name="us-east-1")
pool = idp.create_user_pool(PoolName="web")["UserPool"]["Id"]
client = idp.create_user_pool_client(UserPoolId=pool, ClientName="stack-web")["UserPoolClient"]["ClientId"]
settings = json.loads({settings:?}.replace("POOL", pool))
oauth = json.loads({oauth:?})
def event(kind, client_id):
    return {{"RequestType": kind, "LogicalResourceId": "WebClientHostedUi",
             "ResourceProperties": {{"ClientId": client_id, "Client": settings, "OAuth": oauth}}}}
index.handler(event("Create", client), None)
index.handler(event("Update", "no-such-client"), None)
index.handler(event("Delete", client), None)
described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client)["UserPoolClient"]
print(json.dumps({{"answers": cfnresponse.ANSWERS, "client": described}}, default=str))
"#,
        dir = dir.path().display().to_string(),
        settings = settings.to_string(),
        oauth = oauth.to_string(),
    );
    let output = Command::new(tests::repo_root().join(".venv/bin/python"))
        .arg("-c")
        .arg(&driver)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        // Lambda sets the region; so must the stand-in, whatever the caller's shell has.
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("the project venv's python (boto3 comes with moto)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The handler logs to stdout too (what CloudWatch keeps); the driver's report is the last line.
    let stdout = String::from_utf8(output.stdout).unwrap();
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let answers = result["answers"].as_array().unwrap();
    let statuses: Vec<&str> = answers
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["SUCCESS", "FAILED", "SUCCESS"],
        "create applies, an update that cannot is reported FAILED, delete does nothing: {answers:?}"
    );
    assert!(answers[1]["reason"].as_str().is_some_and(|r| !r.is_empty()));
    let described = &result["client"];
    assert_eq!(described["AllowedOAuthFlows"], serde_json::json!(["code"]));
    assert_eq!(described["AllowedOAuthFlowsUserPoolClient"], true);
    assert_eq!(
        described["CallbackURLs"],
        serde_json::json!(["https://d111.cloudfront.net/auth/callback"])
    );
    assert_eq!(
        described["LogoutURLs"],
        serde_json::json!(["https://d111.cloudfront.net/"])
    );
    assert_eq!(described["AccessTokenValidity"], 60);
    assert_eq!(
        described["ExplicitAuthFlows"],
        serde_json::json!(["ALLOW_REFRESH_TOKEN_AUTH"])
    );
}
