//! Query-string parsing that reports every bad parameter at once, by name.

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{Request, RequestExt};

use super::problem::{ApiError, InvalidParam};
use crate::query::{MAX_LIMIT, MIN_LIMIT, PageLimit};

/// The query parameters of one request, checked against the names the route accepts.
///
/// Unknown names and repeated names are errors: a typo such as `?sortt=rating` would otherwise
/// silently return a differently ordered list.
#[derive(Debug)]
pub struct Query {
    pairs: Vec<(String, String)>,
    errors: Vec<InvalidParam>,
}

impl Query {
    /// Reads the query string, recording unknown and repeated parameters as errors.
    pub fn from_request(req: &Request, accepted: &[&str]) -> Self {
        let pairs = match req.query_string_parameters_ref() {
            Some(map) => pairs_of(map),
            // Requests that did not come through API Gateway (tests, local server) carry only a URI.
            None => req
                .uri()
                .query()
                .and_then(|raw| raw.parse::<QueryMap>().ok())
                .map(|map| pairs_of(&map))
                .unwrap_or_default(),
        };
        Self::from_pairs(pairs, accepted)
    }

    /// Builds from decoded pairs (tests and non-Lambda callers).
    pub fn from_pairs(pairs: Vec<(String, String)>, accepted: &[&str]) -> Self {
        let mut errors = Vec::new();
        for (i, (name, _)) in pairs.iter().enumerate() {
            if !accepted.contains(&name.as_str()) {
                if !errors.iter().any(|e: &InvalidParam| &e.name == name) {
                    let reason = if accepted.is_empty() {
                        "is not accepted here; this route takes no query parameters".to_owned()
                    } else {
                        format!("is not accepted here; accepted: {}", accepted.join(", "))
                    };
                    errors.push(InvalidParam::query(name, reason));
                }
            } else if pairs[..i].iter().any(|(n, _)| n == name)
                && !errors.iter().any(|e| &e.name == name)
            {
                errors.push(InvalidParam::query(name, "must be given at most once"));
            }
        }
        Self { pairs, errors }
    }

    /// Whether parameter `name` was given (whatever its value).
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    /// Parses parameter `name` when present, recording a failure under its name.
    pub fn take<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let raw = self
            .pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())?;
        if raw.trim().is_empty() {
            self.errors
                .push(InvalidParam::query(name, "must not be empty"));
            return None;
        }
        match parse(&raw) {
            Ok(value) => Some(value),
            Err(reason) => {
                if !self.errors.iter().any(|e| e.name == name) {
                    self.errors.push(InvalidParam::query(name, reason));
                }
                None
            }
        }
    }

    /// Parses parameter `name`, recording an error when it is missing or invalid.
    pub fn require<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        if !self.pairs.iter().any(|(n, _)| n == name) {
            self.errors.push(InvalidParam::query(name, "is required"));
            return None;
        }
        self.take(name, parse)
    }

    /// Succeeds when no parameter was invalid; otherwise one 400 naming every bad parameter.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::InvalidParameters(self.errors))
        }
    }
}

fn pairs_of(map: &QueryMap) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, _) in map.iter() {
        if pairs.iter().any(|(n, _)| n == name) {
            continue;
        }
        for value in map.all(name).unwrap_or_default() {
            pairs.push((name.to_owned(), value.to_owned()));
        }
    }
    pairs
}

/// Parses `limit`: an integer from `MIN_LIMIT` to `MAX_LIMIT`.
pub fn parse_limit(raw: &str) -> Result<PageLimit, String> {
    raw.parse::<u32>()
        .ok()
        .and_then(PageLimit::new)
        .ok_or_else(|| format!("must be an integer from {MIN_LIMIT} to {MAX_LIMIT}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)], accepted: &[&str]) -> Query {
        Query::from_pairs(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            accepted,
        )
    }

    #[test]
    fn reports_unknown_repeated_empty_and_unparseable_parameters_together() {
        let mut query = q(
            &[
                ("limit", "0"),
                ("sortt", "x"),
                ("city", ""),
                ("sort", "a"),
                ("sort", "b"),
            ],
            &["limit", "city", "sort"],
        );
        assert_eq!(query.take("limit", parse_limit), None);
        assert_eq!(query.take("city", |c| Ok::<_, String>(c.to_owned())), None);
        let Err(ApiError::InvalidParameters(errors)) = query.finish() else {
            panic!("expected invalid parameters");
        };
        let names: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, vec!["sortt", "sort", "limit", "city"]);
    }

    #[test]
    fn limits_are_bounded() {
        assert!(parse_limit("1").is_ok());
        assert!(parse_limit("100").is_ok());
        for bad in ["0", "101", "-1", "1.5", "ten", "99999999999"] {
            assert!(parse_limit(bad).is_err(), "{bad}");
        }
    }
}
