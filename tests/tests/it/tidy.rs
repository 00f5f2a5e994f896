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

/// A duration as docs/resilience.md writes it: `250 ms`, `2 s`; `unit` for a bare number.
fn doc_duration(text: &str, unit: &str) -> std::time::Duration {
    let text = text.trim();
    let (number, unit) = match text.split_once(' ') {
        Some((number, unit)) => (number, unit),
        None => (text, unit),
    };
    let number: u64 = number.replace(',', "").parse().unwrap();
    match unit.trim() {
        "ms" => std::time::Duration::from_millis(number),
        "s" => std::time::Duration::from_secs(number),
        other => panic!("unknown unit {other:?} in {text:?}"),
    }
}

/// The budget table in docs/resilience.md states `shared::aws::Budget::of` again: they agree.
#[test]
fn the_budget_table_in_the_docs_is_the_code() {
    use shared::aws::{Budget, BudgetKind};
    let doc = std::fs::read_to_string(root().join("docs/resilience.md")).unwrap();
    for kind in BudgetKind::ALL {
        let prefix = format!("| `{kind}` |");
        let row = doc
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("docs/resilience.md has no row for {kind}"));
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let b = Budget::of(kind);
        assert_eq!(doc_duration(cells[2], ""), b.connect, "{kind} connect");
        assert_eq!(doc_duration(cells[3], ""), b.attempt, "{kind} attempt");
        assert_eq!(doc_duration(cells[4], ""), b.operation, "{kind} operation");
        assert_eq!(
            cells[5].parse::<u32>().unwrap(),
            b.max_attempts,
            "{kind} attempts"
        );
        let (low, high) = cells[6].split_once('–').unwrap();
        let high_unit = high.trim().split_once(' ').unwrap().1;
        assert_eq!(
            doc_duration(low, high_unit),
            b.initial_backoff,
            "{kind} backoff"
        );
        assert_eq!(doc_duration(high, ""), b.max_backoff, "{kind} max backoff");
        let failures: u32 = cells[7].split(' ').next().unwrap().parse().unwrap();
        assert_eq!(failures, b.breaker_failures, "{kind} breaker failures");
        assert_eq!(
            doc_duration(cells[8], ""),
            b.breaker_open,
            "{kind} open for"
        );
    }
}
