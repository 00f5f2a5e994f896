//! Persistence: one key design ([`keys`]), one small primitive both adapters implement
//! ([`ItemTable`]), and the port implementations written once on top of it ([`catalog`]).
//!
//! The DynamoDB adapter ([`dynamodb`]) and the embedded SQLite adapter ([`sqlite`]) store the same
//! items under the same keys, so a page cursor means the same thing to both and the contract
//! suite in `tests/` checks them against one specification.

mod cafe_entry;
mod catalog;
mod doc;
mod experiments;
pub mod guard;
mod health;
mod import;
pub mod keys;
mod merge;
mod migrate;
mod nearby;
pub mod partners;
mod photos;
mod recommendations;
pub mod reviews;
pub mod search_index;
mod stories;
mod table;
mod users;

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "embedded")]
pub mod sqlite;

pub use import::{PeopleBatch, import_people};
pub use migrate::{
    MigrationReport, SCHEMA_VERSION, Tally, migrate_authors, record_schema_version,
    stored_schema_version,
};
pub use table::{
    Condition, Item, ItemTable, MAX_GET_DOCS, RangeRead, SortIndex, SortKeys, StoredDoc,
    StoredItem, TransactError, Write,
};
