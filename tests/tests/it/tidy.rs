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
