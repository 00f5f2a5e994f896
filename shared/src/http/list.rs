//! List responses under a byte budget: the one way a list route builds its body.
//!
//! `limit` (≤ 100) bounds a page's item count, not its bytes, and items differ a thousandfold in
//! size (a review is 20 characters or 64 KiB of text). So every list body is assembled here:
//! items are serialized one by one and the page ends, with a `nextCursor` right after the last
//! item kept, before the body would exceed [`LIST_BUDGET_BYTES`]. Paging through therefore still
//! returns every item exactly once, whatever `limit` says, and no list response comes near
//! Lambda's 6 MB response limit. Handlers cannot build a list body any other way: there is no
//! public list-body type, only [`Reply::list`] and [`Reply::list_with`].

use serde::Serialize;
use serde_json::{Map, Value};
use tracing::{info, warn};

use super::problem::ApiError;
use super::respond::{CachePolicy, Reply};
use crate::query::{Page, PageKey};

/// Most bytes one list response body may hold: 1 MiB, a sixth of Lambda's 6 MB response limit
/// (headers and the API Gateway envelope fit many times in the rest), and about fifteen of the
/// largest items any list holds (a review or story of 64 KiB, the request body limit).
pub const LIST_BUDGET_BYTES: usize = 1024 * 1024;

/// What the envelope around the items may take (`{"items":[`, `],"nextCursor":…` with a signed
/// cursor of at most 2 KiB, and extra fields such as nearby's `at`). The items get the rest; the
/// whole body is checked against [`LIST_BUDGET_BYTES`] anyway.
const ENVELOPE_BYTES: usize = 8 * 1024;

/// One page on its way to a response: the items in order, each with the position a cursor
/// after it resumes from, and the position after the whole page (`None` on the last page).
#[derive(Clone, Debug)]
pub struct ListPage<T, K> {
    items: Vec<T>,
    keys: Vec<K>,
    next: Option<K>,
}

impl<T, K> ListPage<T, K> {
    /// A page of `items`, `keys[i]` being the position right after `items[i]`.
    pub fn new(items: Vec<T>, keys: Vec<K>, next: Option<K>) -> Self {
        Self { items, keys, next }
    }

    /// The same page showing `items` instead (the views of the same items, in the same order,
    /// e.g. with their authors resolved).
    pub fn with_items<U>(self, items: Vec<U>) -> ListPage<U, K> {
        ListPage {
            items,
            keys: self.keys,
            next: self.next,
        }
    }

    /// The items, to build views from.
    pub fn items(&self) -> &[T] {
        &self.items
    }
}

impl<T> From<Page<T>> for ListPage<T, PageKey> {
    fn from(page: Page<T>) -> Self {
        Self::new(page.items, page.keys, page.next)
    }
}

/// How many leading items fit in `budget` bytes once joined by commas, given each item's JSON
/// length in order; never fewer than one (when there is one), so every page makes progress.
/// One item alone is bounded by validation (64 KiB of request body) far below any budget.
pub fn fitting(lengths: &[usize], budget: usize) -> usize {
    let mut used = 0usize;
    for (i, len) in lengths.iter().enumerate() {
        let with_comma = len + usize::from(i > 0);
        if i > 0 && used + with_comma > budget {
            return i;
        }
        used += with_comma;
    }
    lengths.len()
}

/// `{"items":[…],"nextCursor":…}` plus `extra` fields, as serde_json would write the
/// equivalent struct (same field order, same compact form), so ETags do not change.
fn envelope(
    items: &[String],
    next_cursor: Option<&str>,
    extra: &Map<String, Value>,
) -> Result<String, serde_json::Error> {
    let size = items.iter().map(|i| i.len() + 1).sum::<usize>() + 64;
    let mut out = String::with_capacity(size);
    out.push_str("{\"items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push_str("],\"nextCursor\":");
    out.push_str(&serde_json::to_string(&next_cursor)?);
    for (name, value) in extra {
        out.push(',');
        out.push_str(&serde_json::to_string(name)?);
        out.push(':');
        out.push_str(&serde_json::to_string(value)?);
    }
    out.push('}');
    Ok(out)
}

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> ApiError {
    ApiError::Internal(Box::new(e))
}

/// A list page whose items and positions disagree: a bug in the handler, answered as a 500.
#[derive(Debug, thiserror::Error)]
#[error("a list page has {items} items but {keys} positions")]
struct Misaligned {
    items: usize,
    keys: usize,
}

/// Extra fields of a list body were not a JSON object.
#[derive(Debug, thiserror::Error)]
#[error("extra list fields must serialize to a JSON object")]
struct NotAnObject;

/// A list route's paging: `limit` (default 20, 1–100) and a `cursor` signed for the route's
/// scope, read once from the query, and the reply that hands out the next cursor under the same
/// scope. Every paged route goes through it, so a cursor from another list or another filter is
/// a 400 everywhere.
pub struct Paging<'a> {
    cursors: &'a crate::cursor::CursorCodec,
    /// The page size asked for.
    pub limit: crate::query::PageLimit,
    cursor: Option<String>,
}

impl<'a> Paging<'a> {
    /// Takes `limit` and `cursor` from `query` (bad values are reported by `query.finish()`).
    pub fn take(query: &mut super::Query, cursors: &'a crate::cursor::CursorCodec) -> Self {
        Self {
            cursors,
            limit: query.take("limit", super::parse_limit).unwrap_or_default(),
            cursor: query.take("cursor", |v| Ok::<_, String>(v.to_owned())),
        }
    }

    /// Where the page starts: after the position in the cursor, which must have been signed for
    /// `scope` (else 400 `invalid-cursor`); `None` without a cursor.
    pub fn after<K: serde::de::DeserializeOwned>(
        &self,
        scope: &str,
    ) -> Result<Option<K>, ApiError> {
        Ok(self
            .cursor
            .as_deref()
            .map(|c| self.cursors.decode(scope, c))
            .transpose()?)
    }

    /// [`Reply::list`] with cursors signed for `scope`.
    pub fn reply<T: Serialize, K: Serialize>(
        &self,
        page: ListPage<T, K>,
        scope: &str,
        cache: CachePolicy,
    ) -> Result<Reply, ApiError> {
        Reply::list(page, |key| self.cursors.encode(scope, key), cache)
    }

    /// [`Paging::reply`] with `extra` fields after `nextCursor` (see [`Reply::list_with`]).
    pub fn reply_with<T: Serialize, K: Serialize, E: Serialize>(
        &self,
        page: ListPage<T, K>,
        scope: &str,
        extra: &E,
        cache: CachePolicy,
    ) -> Result<Reply, ApiError> {
        Reply::list_with(page, |key| self.cursors.encode(scope, key), extra, cache)
    }
}

impl Reply {
    /// `200` with `{"items": […], "nextCursor": …}`: the page's items as long as the body stays
    /// within [`LIST_BUDGET_BYTES`]; when it would not, the page ends early and `nextCursor`
    /// (made by `cursor`) resumes right after the last item kept.
    pub fn list<T: Serialize, K>(
        page: ListPage<T, K>,
        cursor: impl Fn(&K) -> String,
        cache: CachePolicy,
    ) -> Result<Self, ApiError> {
        Self::list_with(page, cursor, &(), cache)
    }

    /// As [`Reply::list`], with `extra` (a struct, or `()` for none) adding fields after
    /// `nextCursor`.
    pub fn list_with<T: Serialize, K, E: Serialize>(
        page: ListPage<T, K>,
        cursor: impl Fn(&K) -> String,
        extra: &E,
        cache: CachePolicy,
    ) -> Result<Self, ApiError> {
        let ListPage { items, keys, next } = page;
        if items.len() != keys.len() {
            return Err(internal(Misaligned {
                items: items.len(),
                keys: keys.len(),
            }));
        }
        let extra = match serde_json::to_value(extra).map_err(internal)? {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => return Err(internal(NotAnObject)),
        };
        let texts: Vec<String> = items
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<_, _>>()
            .map_err(internal)?;
        let lengths: Vec<usize> = texts.iter().map(String::len).collect();
        let mut kept = fitting(&lengths, LIST_BUDGET_BYTES - ENVELOPE_BYTES);
        loop {
            let resume = match kept.checked_sub(1) {
                Some(last) if kept < texts.len() => keys.get(last),
                _ => next.as_ref(),
            };
            let body = envelope(&texts[..kept], resume.map(&cursor).as_deref(), &extra)
                .map_err(internal)?;
            if body.len() <= LIST_BUDGET_BYTES || kept <= 1 {
                if body.len() > LIST_BUDGET_BYTES {
                    // One item over the budget: validation should make this impossible.
                    warn!(
                        bytes = body.len(),
                        "a single list item exceeds the page budget"
                    );
                } else if kept < texts.len() {
                    info!(
                        kept,
                        of = texts.len(),
                        bytes = body.len(),
                        "list page ended at the byte budget"
                    );
                }
                return Ok(Self::json_text(body, cache));
            }
            // Only an envelope larger than `ENVELOPE_BYTES` gets here: give up one more item.
            kept -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fitting_keeps_what_fits_with_commas_and_never_nothing() {
        assert_eq!(fitting(&[], 10), 0);
        assert_eq!(fitting(&[4, 4], 9), 2, "4 + comma + 4");
        assert_eq!(fitting(&[4, 4], 8), 1, "the comma counts");
        assert_eq!(fitting(&[50, 1], 10), 1, "one item is always kept");
        assert_eq!(fitting(&[1, 1, 1, 1], 5), 3);
    }

    proptest! {
        #[test]
        fn fitting_is_the_longest_prefix_within_budget(
            lengths in proptest::collection::vec(1usize..500, 0..60),
            budget in 1usize..5_000,
        ) {
            let n = fitting(&lengths, budget);
            let bytes = |k: usize| lengths[..k].iter().sum::<usize>() + k.saturating_sub(1);
            prop_assert!(n <= lengths.len());
            if !lengths.is_empty() {
                prop_assert!(n >= 1);
            }
            if n > 1 {
                prop_assert!(bytes(n) <= budget);
            }
            if n < lengths.len() && n > 0 {
                prop_assert!(bytes(n + 1) > budget);
            }
        }
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Plain {
        items: Vec<Value>,
        next_cursor: Option<String>,
        at: &'static str,
    }

    #[test]
    fn the_envelope_is_byte_for_byte_what_serde_writes() {
        let items = vec![
            serde_json::json!({"a": "é\n\"", "b": [1, 2.5]}),
            Value::Null,
        ];
        let texts: Vec<String> = items.iter().map(|i| i.to_string()).collect();
        let mut extra = Map::new();
        extra.insert("at".to_owned(), Value::from("2026-01-01T00:00:00.000Z"));
        let expected = serde_json::to_string(&Plain {
            items,
            next_cursor: Some("c\"1".to_owned()),
            at: "2026-01-01T00:00:00.000Z",
        })
        .unwrap();
        assert_eq!(envelope(&texts, Some("c\"1"), &extra).unwrap(), expected);
        assert_eq!(
            envelope(&[], None, &Map::new()).unwrap(),
            r#"{"items":[],"nextCursor":null}"#
        );
    }

    fn body(reply: &Reply) -> Value {
        serde_json::from_str(reply.body_text()).unwrap()
    }

    #[test]
    fn a_page_over_budget_ends_early_with_a_cursor_after_the_last_item_kept() {
        // 40 items of ~100 KiB: ten fit in 1 MiB less the envelope.
        let big = "x".repeat(100 * 1024);
        let items: Vec<String> = (0..40).map(|i| format!("{i}{big}")).collect();
        let keys: Vec<u32> = (0..40).collect();
        let reply = Reply::list(
            ListPage::new(items, keys, Some(999)),
            |k| format!("after-{k}"),
            CachePolicy::CATALOGUE,
        )
        .unwrap();
        assert!(reply.body_text().len() <= LIST_BUDGET_BYTES);
        let body = body(&reply);
        let kept = body["items"].as_array().unwrap().len();
        assert_eq!(kept, 10);
        assert_eq!(body["nextCursor"], format!("after-{}", kept - 1));

        // Within budget: every item, and the store's own next position.
        let small = Reply::list(
            ListPage::new(vec!["a", "b"], vec![1, 2], Some(7)),
            |k| format!("after-{k}"),
            CachePolicy::CATALOGUE,
        )
        .unwrap();
        assert_eq!(
            small.body_text(),
            r#"{"items":["a","b"],"nextCursor":"after-7"}"#
        );
        let last = Reply::list(
            ListPage::new(vec!["a"], vec![1], None::<u32>),
            |k| format!("after-{k}"),
            CachePolicy::CATALOGUE,
        )
        .unwrap();
        assert_eq!(last.body_text(), r#"{"items":["a"],"nextCursor":null}"#);
    }

    #[test]
    fn paging_under_the_budget_returns_every_item_exactly_once() {
        // Items from 1 byte to 200 KiB; a "store" that serves up to 100 after a position.
        let all: Vec<String> = (0..500usize)
            .map(|i| "y".repeat((i * 7_919) % (200 * 1024) + 1))
            .collect();
        let mut seen = Vec::new();
        let mut after: Option<usize> = None;
        for _ in 0..1_000 {
            let start = after.map_or(0, |a| a + 1);
            let end = (start + 100).min(all.len());
            let page = ListPage::new(
                all[start..end].to_vec(),
                (start..end).collect(),
                (end < all.len()).then(|| end - 1),
            );
            let reply = Reply::list(page, |k| k.to_string(), CachePolicy::CATALOGUE).unwrap();
            assert!(reply.body_text().len() <= LIST_BUDGET_BYTES);
            let body = body(&reply);
            let items = body["items"].as_array().unwrap();
            seen.extend(items.iter().map(|i| i.as_str().unwrap().len()));
            match body["nextCursor"].as_str() {
                Some(c) => after = Some(c.parse().unwrap()),
                None => break,
            }
        }
        let expected: Vec<usize> = all.iter().map(String::len).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn misaligned_pages_and_non_object_extras_are_internal_errors() {
        let misaligned = Reply::list(
            ListPage::new(vec![1, 2], vec![1], None),
            |k: &u32| k.to_string(),
            CachePolicy::CATALOGUE,
        );
        assert!(matches!(misaligned, Err(ApiError::Internal(_))));
        let extra = Reply::list_with(
            ListPage::new(vec![1], vec![1], None),
            |k: &u32| k.to_string(),
            &5,
            CachePolicy::CATALOGUE,
        );
        assert!(matches!(extra, Err(ApiError::Internal(_))));
    }
}
