//! Property-based fuzzing of the whole API with schemathesis: every operation in
//! infra/openapi.yaml is called with generated inputs (valid and invalid) against the local
//! server over a fresh copy of the demo data, signed in for the authenticated routes. Fails on
//! any 5xx and on any response that does not conform to the document (status code, content
//! type, headers, body schema). `make test` installs schemathesis into `.venv/schemathesis`
//! first; without it this test fails (never skips) and says so. `FUZZ_EXAMPLES` sets the
//! examples per operation (default 20).

use std::process::Command;

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_answers_as_documented_under_schemathesis() {
    let st = tests::repo_root().join(".venv/schemathesis/bin/st");
    assert!(
        st.exists(),
        "{} is missing: run `make test` (scripts/test.sh installs schemathesis)",
        st.display()
    );
    let app = tests::spawn_app().await;
    let base = app.url("");
    let token = tests::token("fuzz-user");
    let examples = std::env::var("FUZZ_EXAMPLES").unwrap_or_else(|_| "20".to_owned());
    let document = tests::repo_root().join("infra/openapi.yaml");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(st)
            .arg("run")
            .arg(document)
            .args(["--url", &base])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,\
                 response_headers_conformance,response_schema_conformance",
            ])
            .args(["--max-examples", &examples])
            .args(["--generation-deterministic", "--request-timeout", "10"])
            .args(["--warnings", "off", "--no-color"])
            .output()
    })
    .await
    .expect("join")
    .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("generated") || l.contains("Tested:") || l.contains("issues"))
        .collect();
    println!("schemathesis: {}", summary.join(" | "));
    assert!(
        output.status.success(),
        "schemathesis found responses that break infra/openapi.yaml:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Tested: "),
        "schemathesis tested no operation:\n{stdout}"
    );
}
