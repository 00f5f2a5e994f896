//! Sharded list partitions merged on read (issue 17, docs/capacity.md).
//!
//! A busy list (`CAFES#ALL`, a big city's or country's) is spread over N hash shards
//! ([`keys::cafe_list_shards`]); a page is the k-way merge of the shards in the list's sort
//! order. Sort values end with the entity's id, so they are unique and the merged order is the
//! order one unsharded partition would have: a cursor stays one position in that global order
//! (the last item's `PageKey`), and no shard state rides in it.
//!
//! Sharding only adds read throughput if each page reads about `limit / N` items per shard, so
//! each shard is read in chunks: first its even share `ceil(wanted / N)` plus a margin of about
//! three standard deviations ([`Sizing`]) from every shard, in one
//! parallel round of N Queries; a shard is read again only when the merge has handed on every
//! item it buffered and still needs the next one, each further chunk twice the last (capped by
//! what the page can still use). An item is handed on only when every shard that may hold more
//! has one buffered, so the order is exact. For an unfiltered page of `limit` items over N
//! shards that is one round of N Queries, e.g. 8 Queries of 8 items for `limit` 20 over 8 shards
//! (a second round, of one or two shards, on a few pages in a hundred); rounds never exceed N + 1 (`merge_property` below, the contract suite).

use std::collections::VecDeque;
use std::future::Future;

use futures_util::future::try_join_all;
use serde::de::DeserializeOwned;

use super::doc::{FILTERED_BATCH, MAX_ITEMS_READ_PER_PAGE, decode};
use super::keys;
use super::table::{ItemTable, SortIndex, StoredDoc};
use crate::ports::StoreError;
use crate::query::{Page, PageKey, PageLimit};

/// Where one read of a source starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Start {
    /// At the source's first item.
    First,
    /// At the first item whose sort value is at or after the cursor's. The cursor's own item
    /// may be in this source or another; the merge drops it.
    AtCursor(PageKey),
    /// Strictly after this item, the last one read from the same source.
    After(PageKey),
}

/// One read of one source: up to `limit` items from `start`, in sort order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Fetch {
    pub source: usize,
    pub start: Start,
    pub limit: usize,
}

/// What one merged read cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct MergeStats {
    /// Rounds of parallel reads.
    pub rounds: usize,
    /// Reads (Queries) in all rounds.
    pub queries: usize,
    /// Items the reads returned.
    pub items_read: usize,
}

/// Whether the consumer of a merge wants another item.
pub(super) enum Flow {
    More,
    Stop,
}

/// How a merge sizes its reads.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sizing {
    /// Shards the list is spread over (the even share of a page is `expected / shards`).
    pub shards: usize,
    /// Items the consumer is expected to take (a page and one more, or a filtered batch).
    pub expected: usize,
    /// Most items the consumer can take: no read asks for more than what is left of it.
    pub budget: usize,
}

impl Sizing {
    /// The first chunk read from each source: its even share of what the page needs, plus a
    /// margin of `1 + 2·ceil(√share)`, about three standard deviations of how many of the
    /// page's items a hash shard holds (binomial, variance just under the share), so that a
    /// second round is rare (≈ 3 % of pages by the binomial at 20 items over 8 shards; at most
    /// one in ten: `an_even_split_costs_one_round_of_small_reads`). Unsharded: the share alone.
    fn chunk(self) -> usize {
        let shards = self.shards.max(1);
        let share = self.expected.div_ceil(shards);
        if shards == 1 {
            return share;
        }
        let root = share.isqrt();
        let root = if root * root < share { root + 1 } else { root };
        share + 1 + 2 * root
    }
}

struct Source {
    buffer: VecDeque<StoredDoc>,
    start: Start,
    exhausted: bool,
    reads: u32,
}

/// Hands the items of `sources` sources to `consume` in ascending sort order, starting after
/// `after`, until `consume` stops or every source is exhausted. `fetch` performs one read.
/// An item met in two sources (the same sort value: an entry moving from the unsharded
/// partition to its shard, seen on both sides of the index's lag) is handed on once.
pub(super) async fn merge<F, Fut>(
    sources: usize,
    sizing: Sizing,
    after: Option<&PageKey>,
    fetch: F,
    mut consume: impl FnMut(StoredDoc) -> Result<Flow, StoreError>,
) -> Result<MergeStats, StoreError>
where
    F: Fn(Fetch) -> Fut,
    Fut: Future<Output = Result<Vec<StoredDoc>, StoreError>>,
{
    let chunk = sizing.chunk();
    let start = after.map_or(Start::First, |k| Start::AtCursor(k.clone()));
    let mut state: Vec<Source> = (0..sources)
        .map(|_| Source {
            buffer: VecDeque::new(),
            start: start.clone(),
            exhausted: false,
            reads: 0,
        })
        .collect();
    let mut stats = MergeStats::default();
    let mut consumed = 0usize;
    let mut last: Option<String> = None;
    loop {
        let left = sizing.budget.saturating_sub(consumed).max(1);
        let fetches: Vec<Fetch> = state
            .iter()
            .enumerate()
            .filter(|(_, s)| s.buffer.is_empty() && !s.exhausted)
            .map(|(source, s)| {
                let size = chunk.checked_shl(s.reads).unwrap_or(usize::MAX).min(left);
                Fetch {
                    source,
                    start: s.start.clone(),
                    limit: size.max(1),
                }
            })
            .collect();
        if !fetches.is_empty() {
            stats.rounds += 1;
            stats.queries += fetches.len();
            let results = try_join_all(fetches.iter().cloned().map(&fetch)).await?;
            for (read, docs) in fetches.into_iter().zip(results) {
                stats.items_read += docs.len();
                let Some(source) = state.get_mut(read.source) else {
                    continue;
                };
                source.exhausted = docs.len() < read.limit;
                source.reads += 1;
                if let Some(newest) = docs.last() {
                    source.start = Start::After(newest.key.clone());
                }
                let cursor = match &read.start {
                    Start::AtCursor(cursor) => Some(cursor.sort.as_str()),
                    _ => None,
                };
                source.buffer.extend(
                    docs.into_iter()
                        .filter(|d| Some(d.key.sort.as_str()) != cursor),
                );
            }
            continue;
        }
        // Every source that may hold more has an item buffered: the least head is next.
        let next = state
            .iter_mut()
            .filter(|s| !s.buffer.is_empty())
            .min_by(|a, b| {
                let head = |s: &Source| s.buffer.front().map(|d| d.key.sort.clone());
                head(a).cmp(&head(b))
            })
            .and_then(|s| s.buffer.pop_front());
        let Some(doc) = next else {
            return Ok(stats);
        };
        if last.as_deref() == Some(doc.key.sort.as_str()) {
            continue;
        }
        last = Some(doc.key.sort.clone());
        consumed += 1;
        if let Flow::Stop = consume(doc)? {
            return Ok(stats);
        }
    }
}

/// One page of the list spread over `sources` (partitions of the same list, `shards` of them
/// hash shards), with the paging rules of [`super::doc::read_page`]: one item more than the
/// page is taken so a cursor is handed out only when another match exists; with a residual
/// filter (`filtered`) at most [`MAX_ITEMS_READ_PER_PAGE`] items are taken, then the page ends
/// (possibly short) with a cursor at the last item taken.
#[allow(clippy::too_many_arguments)]
pub(super) async fn read_merged_page<S, T>(
    store: &S,
    index: SortIndex,
    sources: &[String],
    shards: usize,
    after: Option<&PageKey>,
    limit: PageLimit,
    filtered: bool,
    keep: impl Fn(&T) -> bool,
) -> Result<(Page<T>, MergeStats), StoreError>
where
    S: ItemTable,
    T: DeserializeOwned,
{
    let limit = limit.get();
    let sizing = if filtered {
        Sizing {
            shards,
            expected: FILTERED_BATCH,
            budget: MAX_ITEMS_READ_PER_PAGE,
        }
    } else {
        Sizing {
            shards,
            expected: limit + 1,
            budget: limit + 1,
        }
    };
    let mut items: Vec<(PageKey, T)> = Vec::with_capacity(limit + 1);
    let mut taken = 0usize;
    let mut position: Option<PageKey> = None;
    let fetch = |read: Fetch| async move {
        let lpk = sources.get(read.source).map_or("", String::as_str);
        match &read.start {
            Start::First => store.query_index(index, lpk, None, read.limit).await,
            Start::After(key) => store.query_index(index, lpk, Some(key), read.limit).await,
            Start::AtCursor(key) => {
                store
                    .query_range(index, lpk, &key.sort, keys::SORT_CEILING, None, read.limit)
                    .await
            }
        }
    };
    let stats = merge(
        sources.len(),
        sizing,
        after,
        fetch,
        |StoredDoc { key, doc }| {
            let value: T = decode(&key.pk, &key.sk, &doc)?;
            taken += 1;
            position = Some(key.clone());
            if keep(&value) {
                items.push((key, value));
                if items.len() > limit {
                    return Ok(Flow::Stop);
                }
            }
            Ok(if filtered && taken >= MAX_ITEMS_READ_PER_PAGE {
                Flow::Stop
            } else {
                Flow::More
            })
        },
    )
    .await?;
    let next = if items.len() > limit {
        // One more match exists: the page ends at the previous item.
        items.truncate(limit);
        items.last().map(|(k, _)| k.clone())
    } else if filtered && taken >= MAX_ITEMS_READ_PER_PAGE {
        // Bounded work: resume after the last item taken, even if the page is short.
        position
    } else {
        None
    };
    let (keys, items) = items.into_iter().unzip();
    Ok((Page { items, keys, next }, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;
    use proptest::prelude::*;

    /// Sources as sorted vectors of sort values; a fetch reads them as an index would.
    fn fetch_from(
        sources: &[Vec<String>],
    ) -> impl Fn(Fetch) -> std::future::Ready<Result<Vec<StoredDoc>, StoreError>> + '_ {
        move |read: Fetch| {
            let list = &sources[read.source];
            let docs = list
                .iter()
                .filter(|s| match &read.start {
                    Start::First => true,
                    Start::AtCursor(k) => s.as_str() >= k.sort.as_str(),
                    Start::After(k) => s.as_str() > k.sort.as_str(),
                })
                .take(read.limit)
                .map(|s| StoredDoc {
                    key: key(s),
                    doc: String::new(),
                })
                .collect();
            std::future::ready(Ok(docs))
        }
    }

    fn key(sort: &str) -> PageKey {
        PageKey {
            sort: sort.to_owned(),
            pk: format!("P#{sort}"),
            sk: "LIST#ALL".to_owned(),
        }
    }

    /// Pages of `limit` through the merge, as `read_merged_page` takes them (one more than
    /// the page), with each page's cost.
    fn pages(
        sources: &[Vec<String>],
        shards: usize,
        limit: usize,
    ) -> (Vec<String>, Vec<MergeStats>) {
        let mut out = Vec::new();
        let mut costs = Vec::new();
        let mut after: Option<PageKey> = None;
        for _ in 0..10_000 {
            let sizing = Sizing {
                shards,
                expected: limit + 1,
                budget: limit + 1,
            };
            let mut page: Vec<String> = Vec::new();
            let stats = merge(
                sources.len(),
                sizing,
                after.as_ref(),
                fetch_from(sources),
                |d| {
                    page.push(d.key.sort);
                    Ok(if page.len() > limit {
                        Flow::Stop
                    } else {
                        Flow::More
                    })
                },
            )
            .now_or_never()
            .expect("in-memory reads are ready")
            .expect("in-memory reads do not fail");
            costs.push(stats);
            let more = page.len() > limit;
            page.truncate(limit);
            after = page.last().map(|s| key(s));
            out.extend(page);
            if !more {
                return (out, costs);
            }
        }
        panic!("paging does not end");
    }

    /// Distinct sort values spread over `shards` sources by a stable hash, plus, to model a
    /// migration, a share of them in one more (unsharded) source.
    fn spread(values: &[String], shards: u32, unsharded_every: usize) -> Vec<Vec<String>> {
        let mut sources = vec![Vec::new(); shards as usize + 1];
        for (n, v) in values.iter().enumerate() {
            let source = if unsharded_every > 0 && n % unsharded_every == 0 {
                shards as usize
            } else {
                keys::list_shard(v, shards) as usize
            };
            sources[source].push(v.clone());
        }
        for s in &mut sources {
            s.sort();
        }
        sources
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Pages concatenate to exactly the sorted union, whatever the shard contents (empty
        /// and uneven shards, an unsharded source mid-migration), and each page's cost stays
        /// within the stated bounds.
        #[test]
        fn merge_property(
            values in proptest::collection::btree_set("[a-z0-9]{1,6}", 0..300),
            shards in 1u32..=8,
            limit in 1usize..=100,
            unsharded_every in 0usize..5,
            skew in 0usize..3,
        ) {
            let values: Vec<String> = values.into_iter().collect();
            let mut sources = spread(&values, shards, unsharded_every);
            if skew > 0 {
                // Uneven on purpose: move everything of shard 0 into the last shard.
                let moved = std::mem::take(&mut sources[0]);
                let last = shards as usize - 1;
                sources[last].extend(moved);
                sources[last].sort();
            }
            let (merged, costs) = pages(&sources, shards as usize, limit);
            prop_assert_eq!(&merged, &values);
            let n = sources.len();
            let chunk = Sizing { shards: shards as usize, expected: limit + 1, budget: limit + 1 }.chunk();
            for cost in costs {
                prop_assert!(cost.rounds <= n + 1, "{cost:?}");
                prop_assert!(cost.queries <= n * (n + 1), "{cost:?}");
                // What was taken (≤ limit + 1), plus what is left in each source's buffer: at
                // most its last read, and no read asks for more than the page can take.
                prop_assert!(cost.items_read <= (limit + 1) + n * (chunk + limit + 2), "{cost:?}");
            }
        }

        /// The same item in two sources (an entry caught on both sides of a move) is handed
        /// on once.
        #[test]
        fn an_item_in_two_sources_is_merged_once(
            values in proptest::collection::btree_set("[a-z]{1,4}", 1..60),
            limit in 1usize..=20,
        ) {
            let values: Vec<String> = values.into_iter().collect();
            let mut sources = spread(&values, 4, 0);
            sources[4] = values.iter().step_by(3).cloned().collect();
            let (merged, _) = pages(&sources, 4, limit);
            prop_assert_eq!(merged, values);
        }
    }

    #[test]
    fn first_reads_are_the_chunks_docs_capacity_counts() {
        // docs/capacity.md: café lists (page of 20 = 21 entries) and the sync list (pages of
        // 20 and 100 profiles) over 4, 8 and 16 shards.
        let chunk = |shards, expected| {
            Sizing {
                shards,
                expected,
                budget: expected,
            }
            .chunk()
        };
        assert_eq!(chunk(8, 21), 8);
        assert_eq!(chunk(4, 21), 13);
        assert_eq!(chunk(16, 21), 7);
        assert_eq!(chunk(8, 101), 22);
        assert_eq!(chunk(4, 101), 39);
        assert_eq!(chunk(16, 101), 14);
        assert_eq!(chunk(1, 101), 101);
    }

    #[test]
    fn an_even_split_costs_one_round_of_small_reads() {
        // 800 values over 8 shards, pages of 20: each page reads 8 chunks of 3 + 1 + 2·2 = 8.
        let values: Vec<String> = (0..800).map(|n| format!("v{n:04}")).collect();
        let sources = spread(&values, 8, 0);
        let sources = &sources[..8];
        let (merged, costs) = pages(sources, 8, 20);
        assert_eq!(merged, values);
        let one_round = costs.iter().filter(|c| c.rounds == 1).count();
        assert!(one_round * 10 >= costs.len() * 9, "{costs:?}");
        for cost in &costs {
            assert!(cost.items_read <= 8 * 8 + 16, "{cost:?}");
        }
        // Unsharded, every page reads 21 items from one partition; sharded, about 5 from each.
        let first = costs[0];
        assert_eq!(first.queries, 8);
        assert_eq!(first.items_read, 8 * 8, "{first:?}");
    }
}
