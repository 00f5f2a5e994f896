//! The story request body, shared by `POST /stories` and `PUT /stories/{storyId}`, and the
//! author check of the story write routes.

use lambda_http::Request;
use serde_json::Value;

use super::problem::ApiError;
use super::write::{Fields, json_object};
use crate::domain::{
    CafeId, MAX_BODY_CHARS, MAX_CAFES, MAX_TAGS, MAX_TITLE_CHARS, PublicUserId, Slug, Story,
    StoryDraft, StoryId, plain_text,
};
use crate::ports::{CafeReader, StoryReader};

/// Fields a story body may hold.
pub const STORY_FIELDS: &[&str] = &["title", "body", "tags", "cafeIds"];

/// A JSON array of at most `max` distinct values parsed by `parse`.
fn distinct_list<T: PartialEq>(
    value: &Value,
    max: usize,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("must be an array of {what}"))?;
    if items.len() > max {
        return Err(format!("must hold at most {max} {what}"));
    }
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let parsed = item
            .as_str()
            .and_then(&parse)
            .ok_or_else(|| format!("item {i} is not one of {what}"))?;
        if out.contains(&parsed) {
            return Err(format!("item {i} repeats an earlier one"));
        }
        out.push(parsed);
    }
    Ok(out)
}

/// Parses and validates a story body: 400 for malformed JSON, 422 naming every bad field
/// (linked cafés must exist). Returns the draft and the body as JSON (for idempotency hashing).
pub async fn parse_story<C: CafeReader>(
    req: &Request,
    catalog: &C,
) -> Result<(StoryDraft, Value), ApiError> {
    let json = json_object(req)?;
    let mut f = Fields::new(&json, STORY_FIELDS);
    let text = |max: usize, multiline: bool| {
        move |v: &Value| match v.as_str() {
            Some(s) => plain_text(s, max, multiline).map_err(|e| e.to_string()),
            None => Err("must be a string".to_owned()),
        }
    };
    let title = f.required(&json, "title", text(MAX_TITLE_CHARS, false));
    let body = f.required(&json, "body", text(MAX_BODY_CHARS, true));
    let tags = f
        .optional(&json, "tags", |v| {
            distinct_list(v, MAX_TAGS, "tags (lowercase slugs)", |s| {
                Slug::parse(s).ok()
            })
        })
        .unwrap_or_default();
    let cafe_ids = f
        .optional(&json, "cafeIds", |v| {
            distinct_list(v, MAX_CAFES, "café ids", |s| CafeId::parse(s).ok())
        })
        .unwrap_or_default();
    let mut unknown = Vec::new();
    for id in &cafe_ids {
        if catalog.get_cafe(id).await?.is_none() {
            unknown.push(id.to_string());
        }
    }
    if !unknown.is_empty() {
        f.reject("cafeIds", format!("no café has id {}", unknown.join(", ")));
    }
    f.finish()?;
    match (title, body) {
        (Some(title), Some(body)) => Ok((
            StoryDraft {
                title,
                body,
                tags,
                cafe_ids,
            },
            Value::Object(json),
        )),
        // `finish` reported the missing field already; this arm is unreachable in practice.
        _ => Err(ApiError::InvalidBody("lacks title or body".to_owned())),
    }
}

/// The story `id` as stored, if `user` wrote it: 404 when it does not exist, 403 when someone
/// else wrote it.
pub async fn authored_story<S: StoryReader>(
    stories: &S,
    id: &StoryId,
    user: &PublicUserId,
    action: &str,
) -> Result<Story, ApiError> {
    let story = stories
        .get_story(id)
        .await?
        .ok_or_else(|| ApiError::not_found("story", id))?;
    if &story.author_id != user {
        return Err(ApiError::Forbidden(format!(
            "only the story's author may {action} it"
        )));
    }
    Ok(story)
}
