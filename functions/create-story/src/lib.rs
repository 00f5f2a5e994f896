//! `POST /stories`: an authenticated user publishes a story (title, plain-text body, up to ten
//! tags, up to ten linked cafés that must exist). Honours `Idempotency-Key` and the write limit.

use lambda_http::http::StatusCode;
use lambda_http::http::header::LOCATION;
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::config::WriteConfig;
use shared::domain::WriteAction;
use shared::domain::{
    CafeId, MAX_BODY_CHARS, MAX_CAFES, MAX_TAGS, MAX_TITLE_CHARS, Slug, Story, StoryId, plain_text,
};
use shared::http::routes::CREATE_STORY;
use shared::http::{
    ApiError, CachePolicy, Fields, Query, Reply, authenticated_user, check_write_limit,
    idempotency_key, json_object, run_idempotent, serve,
};
use shared::ports::{CafeReader, IdempotencyStore, StoryWriter, WriteLimiter};

/// Fields a story body may hold.
pub const FIELDS: &[&str] = &["title", "body", "tags", "cafeIds"];

/// What the handler needs: the store (cafés to check links, stories to write), idempotency
/// records and write limits, and the write settings.
pub struct Deps<S, R> {
    pub store: S,
    pub records: R,
    pub config: WriteConfig,
}

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

/// The validated parts of a story body.
struct StoryInput {
    title: String,
    body: String,
    tags: Vec<Slug>,
    cafe_ids: Vec<CafeId>,
}

async fn parse<C: CafeReader>(req: &Request, catalog: &C) -> Result<(StoryInput, Value), ApiError> {
    let json = json_object(req)?;
    let mut f = Fields::new(&json, FIELDS);
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
            StoryInput {
                title,
                body,
                tags,
                cafe_ids,
            },
            Value::Object(json),
        )),
        _ => Err(ApiError::InvalidBody("lacks title or body".to_owned())),
    }
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: CafeReader + StoryWriter,
    R: IdempotencyStore + WriteLimiter,
{
    serve(req, &CREATE_STORY, |_info, req| async move {
        let user = authenticated_user(&req)?;
        Query::from_request(&req, &[]).finish()?;
        let key = idempotency_key(&req)?;
        let now = shared::domain::time::now_millis();
        let (input, payload) = parse(&req, &deps.store).await?;
        let scope = format!("create-story#{user}");
        run_idempotent(&deps.records, key, &scope, &payload, now.as_second(), || async {
            let quota = check_write_limit(&deps.records, &user, WriteAction::Stories, &deps.config.limits, now).await?;
            let story = Story {
                id: StoryId::from_entropy(uuid::Uuid::new_v4().as_u128()),
                author_id: user.clone(),
                title: input.title,
                body: input.body,
                tags: input.tags,
                cafe_ids: input.cafe_ids,
                created_at: now,
            };
            deps.store.create_story(&story).await?;
            tracing::info!(story_id = %story.id, tags = story.tags.len(), cafes = story.cafe_ids.len(), "story published");
            Ok(Reply::json(&story, CachePolicy::NoStore)?
                .with_status(StatusCode::CREATED)
                .with_header(LOCATION, format!("/stories/{}", story.id))
                .with_rate_limit(&quota))
        })
        .await
    })
    .await
}
