//! What the simulated clients aim at, read once from the server before the run: the ids of
//! cafés, roasters, stories, artisans and people, city and brewing-method slugs, where cafés are
//! (centres for nearby searches) and a second-page cursor.

use anyhow::{Context, bail};
use serde_json::Value;

/// The demo data the mix reads.
#[derive(Clone, Debug, Default)]
pub struct Targets {
    pub cafes: Vec<String>,
    /// `(lat, lng)` of every café: nearby searches are centred near them.
    pub spots: Vec<(f64, f64)>,
    pub roasters: Vec<String>,
    pub stories: Vec<String>,
    pub artisans: Vec<String>,
    /// Public ids of people who wrote stories or reviews.
    pub people: Vec<String>,
    pub cities: Vec<String>,
    pub countries: Vec<String>,
    pub brewing_methods: Vec<String>,
    /// `nextCursor` of the first page of `GET /cafes?limit=20`.
    pub cafes_page_two: Option<String>,
}

/// Most items a list page returns.
const PAGE: usize = 50;
/// Pages read per list at most (the demo data fits in far fewer).
const MAX_PAGES: usize = 40;

async fn get(client: &reqwest::Client, url: &str) -> anyhow::Result<Value> {
    get_as(client, url, None).await
}

/// `GET url` (with `authorization` when given), which must answer 2xx with JSON.
pub(crate) async fn get_as(
    client: &reqwest::Client,
    url: &str,
    authorization: Option<&str>,
) -> anyhow::Result<Value> {
    let mut request = client.get(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.with_context(|| format!("GET {url}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("GET {url} answered {status}");
    }
    response
        .json()
        .await
        .with_context(|| format!("GET {url}: not JSON"))
}

/// Every item of a cursor-paged list.
async fn all_items(client: &reqwest::Client, host: &str, path: &str) -> anyhow::Result<Vec<Value>> {
    all_items_as(client, host, path, None).await
}

/// Every item of a cursor-paged list, read as `authorization` when given. `path` may carry a
/// query already.
pub(crate) async fn all_items_as(
    client: &reqwest::Client,
    host: &str,
    path: &str,
    authorization: Option<&str>,
) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let joiner = if path.contains('?') { '&' } else { '?' };
    for _ in 0..MAX_PAGES {
        let mut url = format!("{host}{path}{joiner}limit={PAGE}");
        if let Some(c) = &cursor {
            url.push_str("&cursor=");
            url.push_str(c);
        }
        let page = get_as(client, &url, authorization).await?;
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    Ok(items)
}

fn strings(items: &[Value], field: &str) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| i[field].as_str().map(str::to_owned))
        .collect()
}

impl Targets {
    /// Reads the targets from the server at `host`.
    pub async fn discover(client: &reqwest::Client, host: &str) -> anyhow::Result<Self> {
        let cafes = all_items(client, host, "/cafes").await?;
        let stories = all_items(client, host, "/stories").await?;
        let cities = get(client, &format!("{host}/cities")).await?;
        let cities = cities["items"].as_array().cloned().unwrap_or_default();
        let methods = get(client, &format!("{host}/brewing-methods")).await?;
        let methods = methods["items"].as_array().cloned().unwrap_or_default();
        let first = get(client, &format!("{host}/cafes?limit=20")).await?;
        let mut people = strings(&stories, "authorId");
        people.sort();
        people.dedup();
        let mut countries = strings(&cities, "country");
        countries.sort();
        countries.dedup();
        let targets = Self {
            spots: cafes
                .iter()
                .filter_map(|c| {
                    let at = &c["location"]["coordinates"];
                    Some((at["lat"].as_f64()?, at["lng"].as_f64()?))
                })
                .collect(),
            cafes: strings(&cafes, "id"),
            roasters: strings(&all_items(client, host, "/roasters").await?, "id"),
            stories: strings(&stories, "id"),
            artisans: strings(&all_items(client, host, "/artisans").await?, "id"),
            people,
            cities: strings(&cities, "slug"),
            countries,
            brewing_methods: strings(&methods, "slug"),
            cafes_page_two: first["nextCursor"].as_str().map(str::to_owned),
        };
        targets.check()?;
        Ok(targets)
    }

    /// Refuses a store the mix cannot run on (the demo data has every list filled).
    pub fn check(&self) -> anyhow::Result<()> {
        for (name, len) in [
            ("cafés", self.cafes.len()),
            ("café locations", self.spots.len()),
            ("roasters", self.roasters.len()),
            ("stories", self.stories.len()),
            ("artisans", self.artisans.len()),
            ("people", self.people.len()),
            ("cities", self.cities.len()),
            ("brewing methods", self.brewing_methods.len()),
        ] {
            if len == 0 {
                bail!("the server has no {name}; run it on the demo data (a fresh data directory)");
            }
        }
        Ok(())
    }
}

/// `items[n % len]` (the lists are never empty once [`Targets::check`] passed).
pub fn pick(items: &[String], n: usize) -> &str {
    if items.is_empty() {
        return "";
    }
    &items[n % items.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_store_is_refused() {
        assert!(Targets::default().check().is_err());
    }

    #[test]
    fn picks_wrap_around() {
        let items = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(pick(&items, 0), "a");
        assert_eq!(pick(&items, 3), "b");
        assert_eq!(pick(&[], 3), "");
    }
}
