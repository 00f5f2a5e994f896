//! DynamoDB adapter: the single-table design on one table with three GSIs.
//!
//! SDK types stay inside this module; every failure leaves as a [`StoreError`].

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, PutRequest, ScalarAttributeType,
    TransactWriteItem, WriteRequest,
};
use tracing::instrument;

use super::table::{Item, ItemTable, SortIndex, StoredDoc};
use crate::ports::StoreError;
use crate::query::PageKey;

/// Most puts DynamoDB accepts in one `BatchWriteItem`.
const MAX_BATCH_ITEMS: usize = 25;
/// Attempts at writing a batch's unprocessed items before giving up.
const MAX_BATCH_ATTEMPTS: u32 = 8;

/// Most actions DynamoDB accepts in one `TransactWriteItems`.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

const PK: &str = "PK";
const SK: &str = "SK";
const LPK: &str = "LPK";
const DOC: &str = "doc";
const INDEXES: [SortIndex; 3] = [SortIndex::ByName, SortIndex::ByRating, SortIndex::ByNewest];

/// The DynamoDB store: a client built once at start-up and the table it uses.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn classify<E>(operation: &'static str) -> impl FnOnce(SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |err| {
        let throttled = matches!(
            err.code(),
            Some(
                "ThrottlingException"
                    | "ProvisionedThroughputExceededException"
                    | "RequestLimitExceeded"
            )
        );
        if throttled {
            StoreError::Throttled { operation }
        } else {
            StoreError::Backend {
                operation,
                source: Box::new(err),
            }
        }
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn string_attr(
    item: &HashMap<String, AttributeValue>,
    name: &'static str,
    operation: &'static str,
) -> Result<String, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value.clone()),
        _ => Err(StoreError::Backend {
            operation,
            source: format!("item without string attribute {name}").into(),
        }),
    }
}

impl DynamoStore {
    /// Wraps a client built once in `main` and the table name from config.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Builds a client from the environment (`AWS_REGION`, credentials, and `AWS_ENDPOINT_URL`
    /// for a local protocol server).
    pub async fn from_env(table: impl Into<String>) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(Client::new(&config), table)
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table with the key design's attributes and indexes (local runs and tests;
    /// production tables come from template.yaml). Returns `false` when it already exists.
    pub async fn create_table(&self) -> Result<bool, StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
        };
        let build = |what: &'static str| {
            move |e: aws_sdk_dynamodb::error::BuildError| StoreError::Backend {
                operation: what,
                source: Box::new(e),
            }
        };
        let mut request = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(PK, KeyType::Hash).map_err(build("create_table"))?)
            .key_schema(key(SK, KeyType::Range).map_err(build("create_table"))?);
        for name in [PK, SK, LPK, "SN", "SR", "ST"] {
            request = request.attribute_definitions(attr(name).map_err(build("create_table"))?);
        }
        for index in INDEXES {
            let gsi = GlobalSecondaryIndex::builder()
                .index_name(index.name())
                .key_schema(key(LPK, KeyType::Hash).map_err(build("create_table"))?)
                .key_schema(key(index.attribute(), KeyType::Range).map_err(build("create_table"))?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(build("create_table"))?;
            request = request.global_secondary_indexes(gsi);
        }
        match request.send().await {
            Ok(_) => Ok(true),
            Err(err) if err.code() == Some("ResourceInUseException") => Ok(false),
            Err(err) => Err(classify("create_table")(err)),
        }
    }

    /// Deletes the table (tests clean up after themselves).
    pub async fn delete_table(&self) -> Result<(), StoreError> {
        self.client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(classify("delete_table"))?;
        Ok(())
    }

    fn to_attributes(item: Item) -> HashMap<String, AttributeValue> {
        let mut map = HashMap::with_capacity(7);
        map.insert(PK.to_owned(), AttributeValue::S(item.pk));
        map.insert(SK.to_owned(), AttributeValue::S(item.sk));
        map.insert(DOC.to_owned(), AttributeValue::S(item.doc));
        let optional = [
            (LPK, item.lpk),
            ("SN", item.by_name),
            ("SR", item.by_rating),
            ("ST", item.by_newest),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                map.insert(name.to_owned(), AttributeValue::S(value));
            }
        }
        map
    }
}

impl ItemTable for DynamoStore {
    #[instrument(skip_all, fields(store = "dynamodb", pk, sk))]
    async fn get_doc(&self, pk: &str, sk: &str) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .send()
            .await
            .map_err(classify("get_item"))?;
        out.item
            .map(|item| string_attr(&item, DOC, "get_item"))
            .transpose()
    }

    #[instrument(skip_all, fields(store = "dynamodb", index = index.name(), lpk, limit))]
    async fn query_index(
        &self,
        index: SortIndex,
        lpk: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<Vec<StoredDoc>, StoreError> {
        let attribute = index.attribute();
        let mut start = after.map(|key| {
            HashMap::from([
                (PK.to_owned(), s(&key.pk)),
                (SK.to_owned(), s(&key.sk)),
                (LPK.to_owned(), s(lpk)),
                (attribute.to_owned(), s(&key.sort)),
            ])
        });
        let mut out = Vec::with_capacity(limit);
        // A Query page also stops at 1 MB, so keep reading until `limit` items or the end.
        while out.len() < limit {
            let want = i32::try_from(limit - out.len()).unwrap_or(i32::MAX);
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index.name())
                .key_condition_expression("#lpk = :lpk")
                .expression_attribute_names("#lpk", LPK)
                .expression_attribute_values(":lpk", s(lpk))
                .set_exclusive_start_key(start.take())
                .limit(want)
                .send()
                .await
                .map_err(classify("query"))?;
            for item in page.items.unwrap_or_default() {
                out.push(StoredDoc {
                    key: PageKey {
                        sort: string_attr(&item, attribute, "query")?,
                        pk: string_attr(&item, PK, "query")?,
                        sk: string_attr(&item, SK, "query")?,
                    },
                    doc: string_attr(&item, DOC, "query")?,
                });
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(out)
    }

    #[instrument(skip_all, fields(store = "dynamodb", pk, items = items.len()))]
    async fn replace_partition(&self, pk: &str, items: Vec<Item>) -> Result<(), StoreError> {
        // Find what the partition holds now, so stale list entries (a café that changed city)
        // are deleted in the same transaction as the new items are written.
        let mut existing = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(pk))
                .projection_expression("#sk")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify("query_partition"))?;
            for item in page.items.unwrap_or_default() {
                existing.push(string_attr(&item, SK, "query_partition")?);
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        let stale: Vec<String> = existing
            .into_iter()
            .filter(|sk| !items.iter().any(|item| &item.sk == sk))
            .collect();
        if items.len() + stale.len() > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Backend {
                operation: "replace_partition",
                source: format!("partition {pk} needs more than {MAX_TRANSACTION_ITEMS} writes")
                    .into(),
            });
        }
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Backend {
            operation: "replace_partition",
            source: Box::new(e),
        };
        let mut actions = Vec::with_capacity(items.len() + stale.len());
        for item in items {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(Self::to_attributes(item)))
                .build()
                .map_err(build)?;
            actions.push(TransactWriteItem::builder().put(put).build());
        }
        for sk in stale {
            let delete = Delete::builder()
                .table_name(&self.table)
                .key(PK, s(pk))
                .key(SK, AttributeValue::S(sk))
                .build()
                .map_err(build)?;
            actions.push(TransactWriteItem::builder().delete(delete).build());
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await
            .map_err(classify("transact_write_items"))?;
        Ok(())
    }

    #[instrument(skip_all, fields(store = "dynamodb", items = items.len()))]
    async fn put_items(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let mut requests: Vec<WriteRequest> = Vec::with_capacity(items.len());
        for item in items {
            let put = PutRequest::builder()
                .set_item(Some(Self::to_attributes(item)))
                .build()
                .map_err(|e| StoreError::Backend {
                    operation: "batch_write_item",
                    source: Box::new(e),
                })?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        for chunk in requests.chunks(MAX_BATCH_ITEMS) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                attempt += 1;
                if attempt > MAX_BATCH_ATTEMPTS {
                    return Err(StoreError::Throttled {
                        operation: "batch_write_item",
                    });
                }
                if attempt > 1 {
                    // Unprocessed items mean the table is throttling: back off exponentially.
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(6)))
                        .await;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(classify("batch_write_item"))?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut left| left.remove(&self.table))
                    .unwrap_or_default();
            }
        }
        Ok(())
    }
}
