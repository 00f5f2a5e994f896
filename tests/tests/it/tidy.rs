//! House rules from ARCHITECTURE.md, enforced: boundaries that must stay absences.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn root() -> PathBuf {
    tests::repo_root()
}

#[test]
fn the_domain_imports_no_aws_lambda_http_or_sqlite_types() {
    let shared = root().join("shared/src");
    let mut files = rust_files(&shared.join("domain"));
    files.extend(["query.rs", "ports.rs", "cursor.rs"].map(|f| shared.join(f)));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for banned in [
            "aws_sdk",
            "aws_config",
            "lambda_http",
            "lambda_runtime",
            "rusqlite",
            "http::",
            "axum",
        ] {
            assert!(
                !text.contains(banned),
                "{} mentions {banned}",
                file.display()
            );
        }
    }
}

#[test]
fn no_function_depends_on_another_function() {
    let functions = root().join("functions");
    let names: Vec<String> = std::fs::read_dir(&functions)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for name in &names {
        let manifest = std::fs::read_to_string(functions.join(name).join("Cargo.toml")).unwrap();
        for other in names.iter().filter(|o| *o != name) {
            assert!(
                !manifest
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{other} "))
                        || l.trim_start().starts_with(&format!("{other}="))
                        || l.trim_start().starts_with(&format!("{other}."))),
                "{name} depends on {other}"
            );
        }
    }
}

#[test]
fn no_request_path_scans_dynamodb() {
    for file in rust_files(&root().join("shared/src"))
        .into_iter()
        .chain(rust_files(&root().join("functions")))
    {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains(".scan()"), "{} calls Scan", file.display());
    }
    let template = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    assert!(
        !template.contains("dynamodb:Scan"),
        "template.yaml grants Scan"
    );
}

#[test]
fn every_module_says_what_it_is_for_and_nothing_is_ignored() {
    let dirs = [
        "shared/src",
        "functions",
        "infra/local-server/src",
        "tests",
        "xtask/src",
    ];
    for dir in dirs {
        for file in rust_files(&root().join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                text.starts_with("//!"),
                "{} has no //! header",
                file.display()
            );
            assert!(
                !text.contains(concat!("#[", "ignore")),
                "{} ignores a test",
                file.display()
            );
        }
    }
}

#[test]
fn main_rs_files_are_wiring_only() {
    for entry in std::fs::read_dir(root().join("functions")).unwrap() {
        let main = entry.unwrap().path().join("src/main.rs");
        let lines = std::fs::read_to_string(&main).unwrap().lines().count();
        assert!(
            lines <= 40,
            "{} has {lines} lines; move logic into lib.rs",
            main.display()
        );
    }
}

/// ARCHITECTURE.md: no SDK call without a deadline. Every AWS SDK configuration and client is
/// built by `shared/src/aws.rs`, which applies a budget (timeouts, retries, a breaker); nothing
/// else may load a configuration or construct a client, and no other crate depends on
/// aws-config.
#[test]
fn every_aws_sdk_client_is_built_with_a_budget_in_one_place() {
    let allowed = root().join("shared/src/aws.rs");
    let this = root().join("tests/tests/it/tidy.rs");
    let dirs = [
        "shared/src",
        "functions",
        "infra/local-server",
        "tests",
        "xtask/src",
    ];
    for dir in dirs {
        for file in rust_files(&root().join(dir)) {
            if file == allowed || file == this {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let builds_sdk_client =
                    line.contains("Client::new(") && !line.contains("reqwest::");
                for banned in ["aws_config::", "from_conf(", "load_defaults("] {
                    assert!(
                        !line.contains(banned),
                        "{}:{}: `{banned}` outside shared/src/aws.rs; build SDK clients with shared::aws::Aws",
                        file.display(),
                        n + 1
                    );
                }
                assert!(
                    !builds_sdk_client,
                    "{}:{}: a client constructed outside shared/src/aws.rs; use shared::aws::Aws",
                    file.display(),
                    n + 1
                );
            }
        }
    }
    let mut manifests = vec![
        root().join("tests/Cargo.toml"),
        root().join("xtask/Cargo.toml"),
    ];
    manifests.push(root().join("infra/local-server/Cargo.toml"));
    for entry in std::fs::read_dir(root().join("functions")).unwrap() {
        manifests.push(entry.unwrap().path().join("Cargo.toml"));
    }
    for manifest in manifests {
        let text = std::fs::read_to_string(&manifest).unwrap();
        assert!(
            !text
                .lines()
                .any(|l| l.trim_start().starts_with("aws-config")),
            "{} depends on aws-config; only shared (feature `aws`) may",
            manifest.display()
        );
    }
}
