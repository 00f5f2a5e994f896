//! After the run: hold the store, read back through the API, to exactly the writes the clients
//! were told succeeded. Every acknowledged review, story and save is there once; nothing refused
//! is there; a retried create replayed its first answer instead of writing again.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;

use crate::Plan;
use crate::ledger::{Outcome, Write, WriteKind};
use crate::targets::{all_items_as, get_as};

/// What the check found.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// Users whose writes were read back.
    pub users: usize,
    /// Acknowledged writes found exactly once.
    pub found: usize,
    /// Acknowledged writes missing from the store.
    pub lost: usize,
    /// Writes stored more than once, or retries that wrote again.
    pub duplicated: usize,
    /// Stored writes no client was told about (beyond writes that got no answer).
    pub unexpected: usize,
    /// The first problems, for the report.
    pub problems: Vec<String>,
}

const MAX_PROBLEMS: usize = 20;

impl Checked {
    fn problem(&mut self, text: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(text);
        }
    }

    /// No lost, duplicated or unexpected write.
    pub fn exact(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.unexpected == 0
    }
}

/// What one user was told, per kind of resource.
#[derive(Debug, Default)]
struct Expected {
    /// Ids acknowledged.
    acknowledged: BTreeSet<String>,
    /// Attempts that got no answer: may or may not be stored.
    unknown: usize,
    /// Cafés of saves that got no answer.
    unknown_ids: BTreeSet<String>,
}

/// Compares one user's stored ids of one kind with what the user was told.
fn compare(label: &str, sub: &str, expected: &Expected, stored: &[String], out: &mut Checked) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in stored {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    for id in &expected.acknowledged {
        match counts.get(id.as_str()).copied().unwrap_or(0) {
            0 => {
                out.lost += 1;
                out.problem(format!("{sub}: acknowledged {label} {id} is not stored"));
            }
            1 => out.found += 1,
            n => {
                out.duplicated += 1;
                out.problem(format!("{sub}: {label} {id} is stored {n} times"));
            }
        }
    }
    let extra: Vec<&str> = counts
        .keys()
        .copied()
        .filter(|id| !expected.acknowledged.contains(*id))
        .filter(|id| !expected.unknown_ids.contains(*id))
        .collect();
    if extra.len() > expected.unknown {
        out.unexpected += extra.len() - expected.unknown;
        out.problem(format!(
            "{sub}: {} {label}(s) stored that no client was told about ({} writes got no answer): {extra:?}",
            extra.len(),
            expected.unknown
        ));
    }
}

/// Reads back every user who wrote and compares.
pub async fn check(client: &reqwest::Client, host: &str, plan: &Plan) -> anyhow::Result<Checked> {
    let writes = plan.ledger.writes();
    let mut out = Checked::default();
    check_retries(&writes, &mut out);
    let mut by_user: BTreeMap<usize, Vec<&Write>> = BTreeMap::new();
    for write in &writes {
        by_user.entry(write.user).or_default().push(write);
    }
    for (index, writes) in by_user {
        let Some(user) = plan.users.get(index) else {
            continue;
        };
        let auth = Some(user.authorization.as_str());
        let mut reviews = Expected::default();
        let mut stories = Expected::default();
        let mut saves = Expected::default();
        for write in writes {
            let expected = match write.kind {
                WriteKind::CreateReview => &mut reviews,
                WriteKind::PublishStory => &mut stories,
                WriteKind::SaveCafe => &mut saves,
                WriteKind::Retry => continue,
            };
            match &write.outcome {
                Outcome::Acknowledged { id } => {
                    expected.acknowledged.insert(id.clone());
                }
                Outcome::Unknown => {
                    expected.unknown += 1;
                    if let (WriteKind::SaveCafe, Some(cafe)) = (write.kind, &write.cafe) {
                        expected.unknown_ids.insert(cafe.clone());
                    }
                }
                _ => {}
            }
        }
        let me = get_as(client, &format!("{host}/me"), auth).await?;
        let public_id = me["id"]
            .as_str()
            .with_context(|| format!("GET /me for {} has no id", user.sub))?
            .to_owned();
        let ids = |items: Vec<serde_json::Value>, pointer: &str| -> Vec<String> {
            items
                .iter()
                .filter_map(|i| {
                    i.pointer(pointer)
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                })
                .collect()
        };
        let stored_reviews = ids(
            all_items_as(client, host, &format!("/users/{public_id}/reviews"), None).await?,
            "/id",
        );
        compare("review", &user.sub, &reviews, &stored_reviews, &mut out);
        let stored_stories = ids(
            all_items_as(client, host, &format!("/stories?author={public_id}"), None).await?,
            "/id",
        );
        compare("story", &user.sub, &stories, &stored_stories, &mut out);
        let stored_saves = ids(
            all_items_as(client, host, "/me/saved-cafes", auth).await?,
            "/cafe/id",
        );
        compare("saved café", &user.sub, &saves, &stored_saves, &mut out);
        out.users += 1;
    }
    Ok(out)
}

/// An acknowledged retry must be a replay of its first answer (same id), never a second write.
fn check_retries(writes: &[Write], out: &mut Checked) {
    for write in writes.iter().filter(|w| w.kind == WriteKind::Retry) {
        if let Outcome::Acknowledged { id } = &write.outcome
            && (!write.replayed || write.retry_of.as_deref() != Some(id.as_str()))
        {
            out.duplicated += 1;
            out.problem(format!(
                "retry with key {:?} answered {id} (replayed: {}), first answer was {:?}",
                write.key, write.replayed, write.retry_of
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(ids: &[&str], unknown: usize) -> Expected {
        Expected {
            acknowledged: ids.iter().map(|s| (*s).to_owned()).collect(),
            unknown,
            unknown_ids: BTreeSet::new(),
        }
    }

    fn stored(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn exactly_the_acknowledged_writes_pass() {
        let mut out = Checked::default();
        compare(
            "review",
            "u",
            &expected(&["a", "b"], 0),
            &stored(&["b", "a"]),
            &mut out,
        );
        assert!(out.exact());
        assert_eq!(out.found, 2);
    }

    #[test]
    fn lost_duplicated_and_unexpected_writes_are_counted() {
        let mut out = Checked::default();
        compare(
            "review",
            "u",
            &expected(&["a", "b", "c"], 0),
            &stored(&["a", "a", "c", "x"]),
            &mut out,
        );
        assert_eq!((out.lost, out.duplicated, out.unexpected), (1, 1, 1));
        assert!(!out.exact());
        assert_eq!(out.problems.len(), 3);
    }

    #[test]
    fn a_write_without_an_answer_may_be_stored() {
        let mut out = Checked::default();
        compare(
            "story",
            "u",
            &expected(&["a"], 1),
            &stored(&["a", "x"]),
            &mut out,
        );
        assert!(out.exact());
        compare(
            "story",
            "u",
            &expected(&["a"], 1),
            &stored(&["a", "x", "y"]),
            &mut out,
        );
        assert_eq!(out.unexpected, 1);
    }

    #[test]
    fn a_retry_that_writes_again_is_a_duplicate() {
        let retry = |id: &str, replayed: bool| Write {
            kind: WriteKind::Retry,
            user: 0,
            cafe: None,
            key: Some("k".into()),
            body: None,
            outcome: Outcome::Acknowledged { id: id.into() },
            replayed,
            retry_of: Some("first".into()),
        };
        let mut out = Checked::default();
        check_retries(&[retry("first", true)], &mut out);
        assert!(out.exact());
        check_retries(&[retry("second", false)], &mut out);
        assert_eq!(out.duplicated, 1);
    }
}
