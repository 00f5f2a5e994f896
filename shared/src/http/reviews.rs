//! The review request body, shared by `POST /cafes/{cafeId}/reviews` and `PUT /reviews/{id}`.

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value;

use super::problem::ApiError;
use super::write::{Fields, json_object};
use crate::domain::{Rating, ReviewDraft, ReviewText, Slug};
use crate::ports::BrewingMethodReader;
use lambda_http::Request;

/// Fields a review body may hold.
pub const REVIEW_FIELDS: &[&str] = &["rating", "text", "brewingMethod", "visitedOn"];

/// The latest calendar date anywhere on Earth right now (UTC+14), so a visit "today" in
/// Kiribati is not "in the future".
fn latest_date_on_earth(now: Timestamp) -> Date {
    now.checked_add(jiff::SignedDuration::from_hours(14))
        .unwrap_or(now)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// Parses and validates a review body: 400 for malformed JSON, 422 naming every bad field.
/// Returns the draft and the body as JSON (for idempotency hashing).
pub async fn parse_review<M: BrewingMethodReader>(
    req: &Request,
    methods: &M,
    now: Timestamp,
) -> Result<(ReviewDraft, Value), ApiError> {
    let body = json_object(req)?;
    let mut f = Fields::new(&body, REVIEW_FIELDS);
    let rating = f.required(&body, "rating", |v| {
        v.as_i64()
            .filter(|_| v.is_i64() || v.is_u64())
            .ok_or("must be an integer from 1 to 5")
            .and_then(|n| Rating::new(n).map_err(|_| "must be an integer from 1 to 5"))
    });
    let text = f.required(&body, "text", |v| match v.as_str() {
        Some(s) => ReviewText::parse(s).map_err(|e| e.to_string()),
        None => Err("must be a string".to_owned()),
    });
    let brewing_method = f.optional(&body, "brewingMethod", |v| {
        v.as_str()
            .ok_or("must be a brewing-method slug such as \"v60\"")
            .and_then(|s| {
                Slug::parse(s).map_err(|_| "must be a brewing-method slug such as \"v60\"")
            })
    });
    let visited_on = f.optional(&body, "visitedOn", |v| {
        let date: Date = v
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or("must be a date written YYYY-MM-DD")?;
        if date > latest_date_on_earth(now) {
            return Err("must not be in the future");
        }
        Ok(date)
    });
    if let Some(slug) = &brewing_method
        && methods.get_brewing_method(slug).await?.is_none()
    {
        f.reject(
            "brewingMethod",
            format!("'{slug}' is not a known brewing method (see GET /brewing-methods)"),
        );
    }
    f.finish()?;
    match (rating, text) {
        (Some(rating), Some(text)) => Ok((
            ReviewDraft {
                rating,
                text,
                brewing_method,
                visited_on,
            },
            Value::Object(body),
        )),
        // `finish` reported the missing field already; this arm is unreachable in practice.
        _ => Err(ApiError::InvalidBody("lacks rating or text".to_owned())),
    }
}
