//! Text search over the term index, written once over [`ItemTable`].
//!
//! Each café (roaster) has one term entry per term of [`search::cafe_terms`]
//! ([`search::roaster_terms`]), in its own partition (`SK = TERM#<token>`), written in the same
//! partition replace as its profile, so the index never disagrees with the profile. An entry is
//! listed in `TERMS#CAFE#<first char>` on the `ByName` index with `SN = <token>#<id>` and
//! carries the same document as a list entry (the summary), so a search is one bounded range
//! read and no second round-trip:
//!
//! 1. read the entries whose token starts with the query's longest word (one `Query`, at most
//!    [`MAX_TERM_ENTRIES_READ`] entries); if that range is fuller, try the next longest word,
//!    up to [`MAX_TERM_QUERIES`] reads (see [`chosen_word`]);
//! 2. keep one per entity, check every word and the filters on its document, rank it;
//! 3. sort by rank key and return the page after the cursor's rank key.
//!
//! The ranked set is recomputed per page, so a cursor carries only the last rank key (unique,
//! because it ends with the id) and pages never overlap or skip while the data stays put.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;

use super::doc::decode;
use super::keys;
use super::table::{Item, ItemTable, SortIndex, SortKeys, StoredDoc};
use crate::domain::{CafeSummary, Roaster};
use crate::ports::StoreError;
use crate::query::{CafeFilter, Page, PageKey, PageLimit};
use crate::search::{self, SearchText, Term};

/// Most term entries one range read returns.
pub const MAX_TERM_ENTRIES_READ: usize = 1_000;
/// Most range reads one search makes (one per word, longest words first).
pub const MAX_TERM_QUERIES: usize = 3;

/// Which word's entries a search ranks: the first word (longest first, at most
/// [`MAX_TERM_QUERIES`] of them) whose range holds fewer than [`MAX_TERM_ENTRIES_READ`] entries;
/// if every range tried is that full, the first (longest) word's first entries in `SN` order
/// (exact words before longer ones), so a very broad query may miss results; one more
/// letter narrows it. `count(word)` is how many entries a range read returned.
pub fn chosen_word(text: &SearchText, count: impl Fn(&str) -> usize) -> &str {
    text.by_selectivity()
        .into_iter()
        .take(MAX_TERM_QUERIES)
        .find(|w| count(w) < MAX_TERM_ENTRIES_READ)
        .unwrap_or_else(|| text.key_word())
}

/// The term entries of the entity in partition `pk`, each carrying `doc`.
pub(super) fn term_items(
    pk: &str,
    id: &str,
    terms: &[Term],
    lpk: fn(&str) -> String,
    doc: &str,
) -> Vec<Item> {
    terms
        .iter()
        .map(|term| Item {
            lpk: Some(lpk(&term.token)),
            sort: SortKeys::one(SortIndex::ByName, keys::by_term(&term.token, id)),
            ..Item::plain(pk, keys::term_sk(&term.token), doc)
        })
        .collect()
}

/// The rank key of `cafe` for `text` under `filter`, or `None` when it does not match. The
/// contract suite's brute-force oracle applies exactly this to every café. `filter.open_at` is
/// not checked here: it needs the hours the entry carries beside the summary (the caller checks
/// it).
pub fn cafe_rank(text: &SearchText, filter: &CafeFilter, cafe: &CafeSummary) -> Option<String> {
    if !keys::cafe_matches(filter, cafe) {
        return None;
    }
    let quality = text.quality(&search::cafe_terms(cafe))?;
    Some(keys::cafe_search_rank(
        quality,
        cafe.rating.average.unwrap_or(0.0),
        cafe.rating.count,
        &cafe.name,
        cafe.id.as_str(),
    ))
}

/// The rank key of `roaster` for `text`, or `None` when it does not match.
pub fn roaster_rank(text: &SearchText, roaster: &Roaster) -> Option<String> {
    let quality = text.quality(&search::roaster_terms(roaster))?;
    Some(keys::roaster_search_rank(
        quality,
        &roaster.name,
        roaster.id.as_str(),
    ))
}

/// One page of entities matching `text`, best first.
pub(super) async fn search<S, T>(
    store: &S,
    lpk: fn(&str) -> String,
    text: &SearchText,
    after: Option<&PageKey>,
    limit: PageLimit,
    rank: impl Fn(&T) -> Option<String>,
) -> Result<Page<T>, StoreError>
where
    S: ItemTable,
    T: DeserializeOwned,
{
    let mut chosen: Option<(&str, Vec<StoredDoc>)> = None;
    for word in text.by_selectivity().into_iter().take(MAX_TERM_QUERIES) {
        let entries = store
            .query_range(
                SortIndex::ByName,
                &lpk(word),
                word,
                &keys::by_term_upper(word),
                None,
                MAX_TERM_ENTRIES_READ,
            )
            .await?;
        let complete = entries.len() < MAX_TERM_ENTRIES_READ;
        if complete || chosen.is_none() {
            chosen = Some((word, entries));
        }
        if complete {
            break;
        }
        tracing::info!(word, "term range holds more entries than one search reads");
    }
    let (word, entries) = chosen.unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut ranked: Vec<(String, String, T)> = Vec::new();
    for entry in entries {
        if !seen.insert(entry.key.pk.clone()) {
            continue;
        }
        let value: T = decode(&entry.key.pk, &entry.key.sk, &entry.doc)?;
        let Some(key) = rank(&value) else { continue };
        if after.is_some_and(|a| key <= a.sort) {
            continue;
        }
        ranked.push((key, entry.key.pk, value));
    }
    ranked.sort_by(|a, b| a.0.cmp(&b.0));
    let limit = limit.get();
    let next = (ranked.len() > limit).then(|| {
        let (sort, pk, _) = &ranked[limit - 1];
        PageKey {
            sort: sort.clone(),
            pk: pk.clone(),
            sk: keys::term_sk(word),
        }
    });
    ranked.truncate(limit);
    let (positions, items) = ranked
        .into_iter()
        .map(|(sort, pk, v)| {
            let key = PageKey {
                sort,
                pk,
                sk: keys::term_sk(word),
            };
            (key, v)
        })
        .unzip();
    Ok(Page {
        items,
        keys: positions,
        next,
    })
}
