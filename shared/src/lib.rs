//! CraftBean's core: the domain, the store ports every function depends on, their adapters
//! (DynamoDB and an embedded SQLite store), and the HTTP plumbing shared by the API functions.
//!
//! Adapters and HTTP helpers sit behind cargo features so each Lambda compiles only what it uses:
//! `dynamodb`, `embedded`, `http`, `jwt`, `demo`, `telemetry`.

pub mod account;
#[cfg(feature = "aws")]
pub mod aws;
pub mod blob;
#[cfg(all(feature = "dynamodb", feature = "telemetry"))]
pub mod boot;
pub mod config;
pub mod cursor;
pub mod digest;
pub mod domain;
pub mod emf;
pub mod experiments;
pub mod geo;
pub mod identity;
pub mod maintenance;
pub mod partners;
pub mod ports;
pub mod query;
pub mod reco;
pub mod reviewing;
pub mod search;
pub mod store;
pub mod upload;
pub mod views;

#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "http")]
pub mod jwt;
#[cfg(feature = "demo")]
pub mod seed;
#[cfg(feature = "telemetry")]
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
