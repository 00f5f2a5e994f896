//! What the writers were told: every acknowledged write (with the id the server gave it), and a
//! count of every other outcome, so the store can be held to exactly the acknowledged writes.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// The writes in the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WriteKind {
    /// `POST /cafes/{id}/reviews` with a fresh `Idempotency-Key`.
    CreateReview,
    /// `POST /stories` with a fresh `Idempotency-Key`.
    PublishStory,
    /// `PUT /me/saved-cafes/{id}`.
    SaveCafe,
    /// A client retry: an acknowledged review or story sent again with the same key and body;
    /// must replay the first answer and write nothing.
    Retry,
}

impl WriteKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::CreateReview => "create review",
            Self::PublishStory => "publish story",
            Self::SaveCafe => "save café",
            Self::Retry => "retry (same key)",
        }
    }
}

/// How one write ended, as the client saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: the write is promised. `id` is the review or story id (the café id for a save).
    Acknowledged { id: String },
    /// 429: refused by the user's write limit; nothing may be stored.
    Limited,
    /// Any other 4xx: refused; nothing may be stored.
    Rejected { status: u16 },
    /// 5xx: a server error (a failure of the run).
    ServerError { status: u16 },
    /// No answer (transport error or timeout): the write may or may not have happened.
    Unknown,
}

/// One write as sent.
#[derive(Clone, Debug)]
pub struct Write {
    pub kind: WriteKind,
    /// Index of the user in the plan.
    pub user: usize,
    /// The café reviewed or saved (none for stories).
    pub cafe: Option<String>,
    /// The `Idempotency-Key` sent, if any.
    pub key: Option<String>,
    /// The JSON body sent, if any (a retry sends it again).
    pub body: Option<serde_json::Value>,
    pub outcome: Outcome,
    /// The answer carried `idempotent-replayed: true`.
    pub replayed: bool,
    /// For a retry, the id its first attempt was acknowledged with.
    pub retry_of: Option<String>,
}

/// Every write of the run, in the order answers came back.
#[derive(Debug, Default)]
pub struct Ledger {
    writes: Mutex<Vec<Write>>,
    /// The acknowledged review and story creates, which retries resend.
    creates: Mutex<Vec<Write>>,
}

impl Ledger {
    pub fn record(&self, write: Write) {
        if matches!(
            write.kind,
            WriteKind::CreateReview | WriteKind::PublishStory
        ) && matches!(write.outcome, Outcome::Acknowledged { .. })
        {
            relock(&self.creates).push(write.clone());
        }
        self.lock().push(write);
    }

    /// A copy of every write so far.
    pub fn writes(&self) -> Vec<Write> {
        self.lock().clone()
    }

    /// The `n`-th acknowledged review or story create (wrapping), to retry.
    pub fn acknowledged_create(&self, n: usize) -> Option<Write> {
        let creates = relock(&self.creates);
        if creates.is_empty() {
            return None;
        }
        creates.get(n % creates.len()).cloned()
    }

    /// Counts per kind and outcome class (`acknowledged`, `429`, `4xx`, `5xx`, `no answer`).
    pub fn tally(&self) -> BTreeMap<(WriteKind, &'static str), usize> {
        let mut out = BTreeMap::new();
        for write in self.lock().iter() {
            let class = match write.outcome {
                Outcome::Acknowledged { .. } => "acknowledged",
                Outcome::Limited => "429",
                Outcome::Rejected { .. } => "other 4xx",
                Outcome::ServerError { .. } => "5xx",
                Outcome::Unknown => "no answer",
            };
            *out.entry((write.kind, class)).or_default() += 1;
        }
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Write>> {
        relock(&self.writes)
    }
}

/// A panicking writer cannot leave a vector half-pushed: keep going with its data.
fn relock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(kind: WriteKind, outcome: Outcome) -> Write {
        Write {
            kind,
            user: 0,
            cafe: None,
            key: Some("k".into()),
            body: None,
            outcome,
            replayed: false,
            retry_of: None,
        }
    }

    #[test]
    fn retries_pick_only_acknowledged_creates() {
        let ledger = Ledger::default();
        assert!(ledger.acknowledged_create(0).is_none());
        ledger.record(write(
            WriteKind::SaveCafe,
            Outcome::Acknowledged { id: "c".into() },
        ));
        ledger.record(write(WriteKind::CreateReview, Outcome::Limited));
        ledger.record(write(
            WriteKind::PublishStory,
            Outcome::Acknowledged { id: "s1".into() },
        ));
        for n in 0..3 {
            let picked = ledger.acknowledged_create(n).map(|w| w.outcome);
            assert_eq!(picked, Some(Outcome::Acknowledged { id: "s1".into() }));
        }
    }

    #[test]
    fn the_tally_separates_limits_from_errors() {
        let ledger = Ledger::default();
        ledger.record(write(WriteKind::CreateReview, Outcome::Limited));
        ledger.record(write(WriteKind::CreateReview, Outcome::Limited));
        ledger.record(write(
            WriteKind::CreateReview,
            Outcome::ServerError { status: 503 },
        ));
        let tally = ledger.tally();
        assert_eq!(tally[&(WriteKind::CreateReview, "429")], 2);
        assert_eq!(tally[&(WriteKind::CreateReview, "5xx")], 1);
        assert!(!tally.contains_key(&(WriteKind::CreateReview, "acknowledged")));
    }
}
