//! Query-string parsing that reports every bad parameter at once, by name.

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{Request, RequestExt};

use super::problem::{ApiError, InvalidParam};
use crate::domain::Amenity;
use crate::query::{MAX_LIMIT, MIN_LIMIT, PageLimit};

/// Why a parameter given twice is refused (unless the route reads it with [`Query::take_all`]).
const REPEATED: &str = "must be given at most once";

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
                errors.push(InvalidParam::query(name, REPEATED));
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

    /// Parses every value of the repeatable parameter `name` (`amenity=wifi&amenity=x`), in the
    /// order given, recording the first bad value under its name. Repeating `name` is not an
    /// error; every other rule of [`Query::take`] applies to each value.
    pub fn take_all<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Vec<T> {
        self.errors
            .retain(|e| !(e.name == name && e.reason == REPEATED));
        let mut values = Vec::new();
        let mut failure: Option<String> = None;
        for (_, raw) in self.pairs.iter().filter(|(n, _)| n == name) {
            if raw.trim().is_empty() {
                failure.get_or_insert_with(|| "must not be empty".to_owned());
                continue;
            }
            match parse(raw) {
                Ok(value) => values.push(value),
                Err(reason) => {
                    failure.get_or_insert_with(|| format!("{raw:?}: {reason}"));
                }
            }
        }
        if let Some(reason) = failure
            && !self.errors.iter().any(|e| e.name == name)
        {
            self.errors.push(InvalidParam::query(name, reason));
        }
        values
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

/// Parses a flag: `true` or `false`, nothing else.
pub fn parse_flag(raw: &str) -> Result<bool, &'static str> {
    match raw {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be true or false"),
    }
}

/// Parses a finite decimal number from `min` to `max` inclusive.
pub fn parse_number_in(raw: &str, min: f64, max: f64) -> Result<f64, String> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && (min..=max).contains(v))
        .ok_or_else(|| format!("must be a number from {min} to {max}"))
}

/// Parses an instant: RFC 3339 with an offset (`2026-11-23T08:30:00Z`).
pub fn parse_instant(raw: &str) -> Result<jiff::Timestamp, &'static str> {
    raw.parse::<jiff::Timestamp>()
        .map_err(|_| "must be an RFC 3339 date-time with an offset, e.g. 2026-11-23T08:30:00Z")
}

/// Parses an amenity by its wire name; the reason lists every accepted name.
pub fn parse_amenity(raw: &str) -> Result<Amenity, String> {
    Amenity::parse(raw).map_err(|_| {
        let names: Vec<&str> = Amenity::ALL.iter().map(|a| a.as_str()).collect();
        format!("must be one of: {}", names.join(", "))
    })
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
    fn repeatable_parameters_collect_every_value_and_name_a_bad_one_once() {
        let accepted = ["amenity", "sort"];
        let mut query = q(
            &[
                ("amenity", "wifi"),
                ("amenity", "bike-parking"),
                ("sort", "a"),
            ],
            &accepted,
        );
        assert_eq!(
            query.take_all("amenity", parse_amenity),
            vec![Amenity::Wifi, Amenity::BikeParking]
        );
        assert!(query.finish().is_ok());

        let mut query = q(
            &[
                ("amenity", "wifi"),
                ("amenity", "jacuzzi"),
                ("amenity", ""),
                ("sort", "a"),
                ("sort", "b"),
            ],
            &accepted,
        );
        assert_eq!(
            query.take_all("amenity", parse_amenity),
            vec![Amenity::Wifi]
        );
        assert!(query.take_all("absent", parse_amenity).is_empty());
        let Err(ApiError::InvalidParameters(errors)) = query.finish() else {
            panic!("expected invalid parameters");
        };
        let names: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["sort", "amenity"],
            "sort is still single-valued"
        );
        assert!(errors[1].reason.contains("jacuzzi"), "{}", errors[1].reason);
    }

    #[test]
    fn flags_numbers_and_instants_are_strict() {
        assert_eq!(parse_flag("true"), Ok(true));
        assert_eq!(parse_flag("false"), Ok(false));
        for bad in ["1", "TRUE", "yes", "on"] {
            assert!(parse_flag(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_number_in("4.5", 0.0, 5.0), Ok(4.5));
        assert_eq!(parse_number_in("0", 0.0, 5.0), Ok(0.0));
        for bad in ["5.01", "-0.1", "NaN", "inf", "four", "1e999"] {
            assert!(parse_number_in(bad, 0.0, 5.0).is_err(), "{bad}");
        }
        assert!(parse_instant("2026-11-23T08:30:00Z").is_ok());
        assert!(parse_instant("2026-11-23T08:30:00+09:00").is_ok());
        for bad in ["2026-11-23T08:30:00", "2026-11-23", "now", "1700000000"] {
            assert!(parse_instant(bad).is_err(), "{bad}");
        }
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
