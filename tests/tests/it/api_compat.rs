//! No response field, parameter, status or route disappears within a version, and
//! `info.version` moves by the rule: infra/openapi.yaml is checked against the newest released
//! contract in infra/openapi-released/ (docs/api-evolution.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use tests::compat::{self, Version};

fn released() -> Vec<(Version, PathBuf)> {
    let dir = tests::repo_root().join("infra/openapi-released");
    let found = compat::baselines(&dir).unwrap();
    assert!(
        !found.is_empty(),
        "{} holds no openapi-<version>.yaml",
        dir.display()
    );
    found
}

fn report(what: &str, violations: &[compat::Violation]) -> String {
    let lines: Vec<String> = violations.iter().map(|v| format!("  - {v}")).collect();
    format!(
        "{what}:\n{}\n\nMobile apps built against a release keep running for years. Within a major \
         version only additive changes are allowed; removals are deprecated first (Deprecation/Sunset \
         headers, at least 12 months) and go in a new major version under a new base path. See \
         docs/api-evolution.md.",
        lines.join("\n")
    )
}

/// The breaking changes docs/api-evolution.md accepts for `version` ("Breaking changes before
/// 1.0"): the locations listed under its `### <version>` heading.
fn accepted_before_1_0(version: &Version) -> Vec<String> {
    let doc = std::fs::read_to_string(tests::repo_root().join("docs/api-evolution.md")).unwrap();
    let heading = format!("### {version}");
    let Some(start) = doc.find(&heading) else {
        return Vec::new();
    };
    doc[start + heading.len()..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with('#'))
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_document_keeps_every_promise_of_the_last_release() {
    let (version, path) = released().pop().unwrap();
    let baseline = compat::load(&path).unwrap();
    let current = tests::openapi::document();
    let mut violations = compat::check(&baseline, current);
    // Before 1.0 a minor version may break the contract in the documented ways only.
    let now = compat::version_of(current).unwrap();
    if version.major == 0 && now.major == 0 && now.minor > version.minor {
        let accepted = accepted_before_1_0(&now);
        violations.retain(|v| !accepted.contains(&v.location));
    }
    assert!(
        violations.is_empty(),
        "{}",
        report(
            &format!("infra/openapi.yaml breaks the released contract {version}"),
            &violations
        )
    );
}

#[test]
fn every_release_is_named_after_its_version_and_kept_the_promises_of_the_one_before() {
    let released = released();
    for (version, path) in &released {
        let doc = compat::load(path).unwrap();
        assert_eq!(
            compat::version_of(&doc).as_ref(),
            Ok(version),
            "{} has another info.version",
            path.display()
        );
    }
    for pair in released.windows(2) {
        let (old, new) = (&pair[0], &pair[1]);
        let violations = compat::check(
            &compat::load(&old.1).unwrap(),
            &compat::load(&new.1).unwrap(),
        );
        assert!(
            violations.is_empty(),
            "{}",
            report(
                &format!("release {} broke release {}", new.0, old.0),
                &violations
            )
        );
    }
}
