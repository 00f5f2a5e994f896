//! The integration suites, compiled into one test binary (`it`): linking one binary instead of
//! one per suite is most of what this crate costs to build. Each module is one suite: contract
//! suites run every store port on SQLite and on DynamoDB over moto (`…::embedded::…`,
//! `…::dynamodb_over_http_moto::…`), the `*_api` suites drive the local server end to end and
//! validate every response against infra/openapi.yaml, and the rest check the template, the
//! route table, the API's compatibility and house rules. Run one with
//! `cargo test -p tests --test it <module>::`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod api_compat;
mod bounded_api;
mod chaos;
mod contract;
mod experiments_api;
mod experiments_contract;
mod fuzz;
mod health_api;
mod http_api;
mod migrate_authors;
mod nearby_api;
mod nearby_contract;
mod partners_api;
mod partners_contract;
mod people_api;
mod people_contract;
mod photos_api;
mod photos_contract;
mod ratings_contract;
mod regions;
mod review_cost;
mod reviews_api;
mod reviews_contract;
mod routes;
mod search_contract;
mod shard_contract;
mod stories_api;
mod stories_contract;
mod sync_contract;
mod template;
mod template_partner;
mod template_routing;
mod template_web;
mod tidy;
mod two_regions;
mod web;
mod web_serving;
