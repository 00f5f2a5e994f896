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
        "bench/load/src",
        "bench/photos/src",
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
        // Configuration and clients come from `shared::boot::Boot`, read once and typed: no
        // main reads the environment or builds a client itself (`route-not-found` needs neither).
        let code = std::fs::read_to_string(&main).unwrap();
        if main.ends_with("route-not-found/src/main.rs") {
            continue;
        }
        assert!(
            code.contains("Boot::new()"),
            "{} does not start with Boot::new()",
            main.display()
        );
        for banned in [
            "from_env(",
            "config::required",
            "std::env",
            "telemetry::init",
        ] {
            assert!(
                !code.contains(banned),
                "{}: `{banned}` in main.rs; go through shared::boot::Boot",
                main.display()
            );
        }
    }
}

/// ARCHITECTURE.md: no SDK call without a deadline. Every AWS SDK configuration and client is
/// built by `shared/src/aws.rs`, which applies a budget (timeouts, retries, a breaker); nothing
/// else may load a configuration or construct a client, no other crate depends on aws-config,
/// and no function enables the shared features that link it.
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
            "{} depends on aws-config; only shared (features `aws-chain`, `aws-profiles`) may",
            manifest.display()
        );
        // Lambda functions build their SDK configuration from the environment and do not link
        // aws-config (docs/build-size.md, "Without aws-config").
        if manifest.starts_with(root().join("functions")) {
            for feature in ["aws-chain", "aws-profiles"] {
                assert!(
                    !text.contains(&format!("\"{feature}\"")),
                    "{} enables shared's `{feature}`: functions must not link aws-config",
                    manifest.display()
                );
            }
        }
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

/// The code of a Rust file without its `#[cfg(test)]` module (tests may spell keys out).
fn production_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// String literals that start like a store key (`"CAFE#`, `"SHARD#`…): upper-case letters or
/// `_`, then `#`.
fn key_literals(code: &str) -> Vec<String> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    for (at, _) in code.match_indices('"') {
        let rest = &bytes[at + 1..];
        let prefix = rest
            .iter()
            .take_while(|b| b.is_ascii_uppercase() || **b == b'_')
            .count();
        if prefix >= 2 && rest.get(prefix) == Some(&b'#') {
            found.push(String::from_utf8_lossy(&rest[..=prefix]).into_owned());
        }
    }
    found
}

#[test]
fn store_keys_are_built_only_in_keys_rs() {
    let keys = root().join("shared/src/store/keys.rs");
    assert!(
        !key_literals(&production_code(&keys)).is_empty(),
        "the key scanner finds nothing in keys.rs: it is broken"
    );
    let mut offenders = Vec::new();
    for dir in [
        "shared/src",
        "functions",
        "infra/local-server/src",
        "xtask/src",
    ] {
        for file in rust_files(&root().join(dir)) {
            if file == keys || file.components().any(|c| c.as_os_str() == "tests") {
                continue;
            }
            for literal in key_literals(&production_code(&file)) {
                offenders.push(format!("{}: {literal}", file.display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "store keys built outside shared/src/store/keys.rs:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn store_modules_import_each_other_without_cycles() {
    let dir = root().join("shared/src/store");
    let modules: Vec<String> = rust_files(&dir)
        .iter()
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|m| m != "mod")
        .collect();
    let edges: Vec<(String, Vec<String>)> = modules
        .iter()
        .map(|m| {
            let code = production_code(&dir.join(format!("{m}.rs")));
            // `super::other::…` paths, and the names inside `use super::{…}` groups.
            let grouped: Vec<&str> = code
                .match_indices("super::{")
                .filter_map(|(at, _)| code[at + 8..].split('}').next())
                .flat_map(|group| group.split(',').map(str::trim))
                .collect();
            let uses = modules
                .iter()
                .filter(|other| {
                    *other != m
                        && (code.contains(&format!("super::{other}::"))
                            || code.contains(&format!("super::{other};"))
                            || grouped.contains(&other.as_str()))
                })
                .cloned()
                .collect();
            (m.clone(), uses)
        })
        .collect();
    assert!(
        edges.iter().any(|(_, uses)| !uses.is_empty()),
        "the import scanner finds no edges: it is broken"
    );
    // Depth-first search for a back edge.
    fn visit<'a>(
        node: &'a str,
        edges: &'a [(String, Vec<String>)],
        path: &mut Vec<&'a str>,
        done: &mut Vec<&'a str>,
    ) -> Option<String> {
        if done.contains(&node) {
            return None;
        }
        if let Some(at) = path.iter().position(|n| *n == node) {
            return Some(format!("{} -> {node}", path[at..].join(" -> ")));
        }
        path.push(node);
        let uses = edges.iter().find(|(m, _)| m == node).map(|(_, u)| u);
        for next in uses.into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.push(node);
        None
    }
    let mut done = Vec::new();
    for (m, _) in &edges {
        let cycle = visit(m, &edges, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "store modules import in a cycle: {cycle:?}"
        );
    }
}

#[test]
fn every_dependency_comes_from_the_workspace_table() {
    let root_manifest: toml_edit::DocumentMut = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let members = root_manifest["workspace"]["members"]
        .as_array()
        .expect("workspace members")
        .iter()
        .filter_map(|m| m.as_str().map(str::to_owned))
        .collect::<Vec<_>>();
    let mut manifests = Vec::new();
    for member in members {
        match member.strip_suffix("/*") {
            Some(dir) => {
                for entry in std::fs::read_dir(root().join(dir)).unwrap() {
                    let manifest = entry.unwrap().path().join("Cargo.toml");
                    if manifest.exists() {
                        manifests.push(manifest);
                    }
                }
            }
            None => manifests.push(root().join(member).join("Cargo.toml")),
        }
    }
    assert!(
        manifests.len() > 30,
        "found only {} manifests",
        manifests.len()
    );
    let mut offenders = Vec::new();
    for manifest in &manifests {
        let doc: toml_edit::DocumentMut =
            std::fs::read_to_string(manifest).unwrap().parse().unwrap();
        for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
            let Some(deps) = doc.get(table).and_then(|t| t.as_table_like()) else {
                continue;
            };
            for (name, spec) in deps.iter() {
                let from_workspace = spec
                    .as_table_like()
                    .and_then(|t| t.get("workspace"))
                    .and_then(|w| w.as_bool())
                    == Some(true);
                if !from_workspace {
                    offenders.push(format!("{} [{table}] {name}", manifest.display()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "declare these in [workspace.dependencies] and use `workspace = true`:\n{}",
        offenders.join("\n")
    );
}

/// ARCHITECTURE.md: no request reaches a handler in AWS unless it came through CloudFront,
/// except `GET /health`, which Route 53's health checkers call directly. Only its `main.rs`
/// serves without the origin check.
#[test]
fn only_the_health_check_skips_the_origin_check() {
    let mut unguarded = Vec::new();
    for entry in std::fs::read_dir(root().join("functions")).unwrap() {
        let dir = entry.unwrap().path();
        let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
        if main.contains("run_lambda_unguarded") {
            unguarded.push(dir.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert_eq!(unguarded, ["health"]);
}
