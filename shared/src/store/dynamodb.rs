//! DynamoDB adapter: the single-table design on one table with four GSIs (one per `SortIndex`).
//!
//! SDK types stay inside this module; every failure leaves as a [`StoreError`].

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType, Put, PutRequest,
    ScalarAttributeType, TransactWriteItem, Update, WriteRequest,
};
use tracing::instrument;

use super::table::{
    Condition, Item, ItemTable, SortIndex, StoredDoc, StoredItem, TransactError, Write,
};
use crate::ports::StoreError;
use crate::query::PageKey;

/// Most puts DynamoDB accepts in one `BatchWriteItem`.
const MAX_BATCH_ITEMS: usize = 25;
/// Attempts at writing a batch's unprocessed items before giving up.
const MAX_BATCH_ATTEMPTS: u32 = 8;

/// Attempts at a transaction that DynamoDB cancels for a conflicting concurrent transaction.
const MAX_CONFLICT_ATTEMPTS: u32 = 5;

/// Most actions DynamoDB accepts in one `TransactWriteItems`.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

const PK: &str = "PK";
const SK: &str = "SK";
const LPK: &str = "LPK";
const DOC: &str = "doc";
const VERSION: &str = "ver";
/// The table's TTL attribute.
const EXPIRES_AT: &str = "expiresAt";
/// Counter attributes are stored as numbers named `c_<counter>`.
const COUNTER_PREFIX: &str = "c_";
const INDEXES: [SortIndex; 4] = [
    SortIndex::ByName,
    SortIndex::ByRating,
    SortIndex::ByNewest,
    SortIndex::ByCell,
];
/// `BatchGetItem` rounds for the keys DynamoDB leaves unprocessed before giving up.
const MAX_BATCH_GET_ATTEMPTS: u32 = 8;

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
    move |err| crate::aws::store_error(operation, err)
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

/// An index item as a document with its resume position (sort attribute `attribute`).
fn stored_doc(
    item: &HashMap<String, AttributeValue>,
    attribute: &'static str,
    operation: &'static str,
) -> Result<StoredDoc, StoreError> {
    Ok(StoredDoc {
        key: PageKey {
            sort: string_attr(item, attribute, operation)?,
            pk: string_attr(item, PK, operation)?,
            sk: string_attr(item, SK, operation)?,
        },
        doc: string_attr(item, DOC, operation)?,
    })
}

/// The `ExclusiveStartKey` that resumes a Query of list partition `lpk` in `index` after `key`.
fn exclusive_start(index: SortIndex, lpk: &str, key: &PageKey) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_owned(), s(&key.pk)),
        (SK.to_owned(), s(&key.sk)),
        (LPK.to_owned(), s(lpk)),
        (index.attribute().to_owned(), s(&key.sort)),
    ])
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
    /// for a local protocol server) with the budget `CRAFTBEAN_BUDGET` names
    /// ([`crate::aws::Aws::from_env_budget`]).
    pub async fn from_env(table: impl Into<String>) -> Self {
        Self::connect(&crate::aws::Aws::from_env_budget().await, table)
    }

    /// A store on `table` through a client built, with its budget, by `aws`.
    pub fn connect(aws: &crate::aws::Aws, table: impl Into<String>) -> Self {
        Self::new(aws.dynamodb(), table)
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
        for name in [PK, SK, LPK, "SN", "SR", "ST", "SG"] {
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
        let mut map = HashMap::with_capacity(9);
        if let Some(version) = item.version {
            map.insert(VERSION.to_owned(), AttributeValue::N(version.to_string()));
        }
        if let Some(expires_at) = item.expires_at {
            map.insert(
                EXPIRES_AT.to_owned(),
                AttributeValue::N(expires_at.to_string()),
            );
        }
        map.insert(PK.to_owned(), AttributeValue::S(item.pk));
        map.insert(SK.to_owned(), AttributeValue::S(item.sk));
        map.insert(DOC.to_owned(), AttributeValue::S(item.doc));
        if let Some(lpk) = item.lpk {
            map.insert(LPK.to_owned(), AttributeValue::S(lpk));
        }
        for (index, value) in item.sort.iter() {
            if let Some(value) = value {
                map.insert(
                    index.attribute().to_owned(),
                    AttributeValue::S(value.to_owned()),
                );
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
        let start = after.map(|key| exclusive_start(index, lpk, key));
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index.name())
            .key_condition_expression("#lpk = :lpk")
            .expression_attribute_names("#lpk", LPK)
            .expression_attribute_values(":lpk", s(lpk));
        let mut out = Vec::with_capacity(limit);
        query_pages("query", query, start, Some(limit), |item| {
            out.push(stored_doc(&item, attribute, "query")?);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    #[instrument(skip_all, fields(store = "dynamodb", index = index.name(), lpk, pages))]
    async fn query_range(
        &self,
        index: SortIndex,
        lpk: &str,
        from: &str,
        to: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<Vec<StoredDoc>, StoreError> {
        let attribute = index.attribute();
        let start = after.map(|key| exclusive_start(index, lpk, key));
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index.name())
            .key_condition_expression("#lpk = :lpk AND #sort BETWEEN :from AND :to")
            .expression_attribute_names("#lpk", LPK)
            .expression_attribute_names("#sort", attribute)
            .expression_attribute_values(":lpk", s(lpk))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(to));
        let mut out = Vec::new();
        // The caller asked for the whole range, up to `limit` (unbounded callers, such as the
        // nearby search, pass a limit too large to send).
        let pages = query_pages("query_range", query, start, Some(limit), |item| {
            out.push(stored_doc(&item, attribute, "query_range")?);
            Ok(())
        })
        .await?;
        tracing::Span::current().record("pages", pages);
        Ok(out)
    }

    #[instrument(skip_all, fields(store = "dynamodb", keys = keys.len()))]
    async fn get_docs(
        &self,
        keys: Vec<(String, String)>,
    ) -> Result<Vec<Option<String>>, StoreError> {
        let key_map =
            |pk: &str, sk: &str| HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))]);
        let mut found: HashMap<(String, String), String> = HashMap::with_capacity(keys.len());
        let mut pending: Vec<HashMap<String, AttributeValue>> =
            keys.iter().map(|(pk, sk)| key_map(pk, sk)).collect();
        let mut attempt = 0;
        while !pending.is_empty() {
            attempt += 1;
            if attempt > MAX_BATCH_GET_ATTEMPTS {
                return Err(StoreError::Throttled {
                    operation: "batch_get_item",
                });
            }
            if attempt > 1 {
                // Unprocessed keys mean the table is busy: back off before asking again.
                tokio::time::sleep(backoff(attempt)).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .build()
                .map_err(|e| StoreError::Backend {
                    operation: "batch_get_item",
                    source: Box::new(e),
                })?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(classify("batch_get_item"))?;
            for item in out
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default()
            {
                let pk = string_attr(&item, PK, "batch_get_item")?;
                let sk = string_attr(&item, SK, "batch_get_item")?;
                found.insert((pk, sk), string_attr(&item, DOC, "batch_get_item")?);
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .map(|k| k.keys)
                .unwrap_or_default();
        }
        Ok(keys.into_iter().map(|key| found.remove(&key)).collect())
    }

    #[instrument(skip_all, fields(store = "dynamodb", pk, items = items.len()))]
    async fn replace_partition(&self, pk: &str, items: Vec<Item>) -> Result<(), StoreError> {
        // Find what the partition holds now, so stale list entries (a café that changed city)
        // are deleted in the same transaction as the new items are written.
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(pk))
            .projection_expression("#sk");
        let mut existing = Vec::new();
        query_pages("query_partition", query, None, None, |item| {
            existing.push(string_attr(&item, SK, "query_partition")?);
            Ok(())
        })
        .await?;
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
                    // Unprocessed items mean the table is throttling: back off.
                    tokio::time::sleep(backoff(attempt)).await;
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

    #[instrument(skip_all, fields(store = "dynamodb", pk, sk))]
    async fn get_item(&self, pk: &str, sk: &str) -> Result<Option<StoredItem>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify("get_item"))?;
        Ok(out.item.as_ref().map(stored_item))
    }

    #[instrument(skip_all, fields(store = "dynamodb", pk, sk_prefix))]
    async fn query_prefix(&self, pk: &str, sk_prefix: &str) -> Result<Vec<StoredItem>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(sk_prefix))
            .consistent_read(true);
        let mut out = Vec::new();
        query_pages("query_prefix", query, None, None, |item| {
            out.push(stored_item(&item));
            Ok(())
        })
        .await?;
        Ok(out)
    }

    #[instrument(skip_all, fields(store = "dynamodb", writes = writes.len()))]
    async fn transact(&self, writes: Vec<Write>) -> Result<(), TransactError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| {
            TransactError::Store(StoreError::Backend {
                operation: "transact_write_items",
                source: Box::new(e),
            })
        };
        let mut actions = Vec::with_capacity(writes.len());
        for write in writes {
            let action = match write {
                Write::Put { item, condition } => {
                    let expr = ConditionExpr::of(&condition);
                    let put = Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(Self::to_attributes(item)))
                        .set_condition_expression(expr.expression)
                        .set_expression_attribute_names(expr.names)
                        .set_expression_attribute_values(expr.values)
                        .build()
                        .map_err(build)?;
                    TransactWriteItem::builder().put(put).build()
                }
                Write::Delete { pk, sk, condition } => {
                    let expr = ConditionExpr::of(&condition);
                    let delete = Delete::builder()
                        .table_name(&self.table)
                        .key(PK, AttributeValue::S(pk))
                        .key(SK, AttributeValue::S(sk))
                        .set_condition_expression(expr.expression)
                        .set_expression_attribute_names(expr.names)
                        .set_expression_attribute_values(expr.values)
                        .build()
                        .map_err(build)?;
                    TransactWriteItem::builder().delete(delete).build()
                }
                Write::Add {
                    pk,
                    sk,
                    deltas,
                    expires_at,
                    condition,
                } => {
                    let expr = ConditionExpr::of(&condition);
                    let mut names = expr.names.unwrap_or_default();
                    let mut values = expr.values.unwrap_or_default();
                    let mut adds = Vec::new();
                    for (i, (name, delta)) in deltas.iter().enumerate() {
                        names.insert(format!("#a{i}"), format!("{COUNTER_PREFIX}{name}"));
                        values.insert(format!(":a{i}"), AttributeValue::N(delta.to_string()));
                        adds.push(format!("#a{i} :a{i}"));
                    }
                    let mut update = format!("ADD {}", adds.join(", "));
                    if let Some(expires_at) = expires_at {
                        names.insert("#exp".to_owned(), EXPIRES_AT.to_owned());
                        values.insert(":exp".to_owned(), AttributeValue::N(expires_at.to_string()));
                        update.push_str(" SET #exp = :exp");
                    }
                    let update = Update::builder()
                        .table_name(&self.table)
                        .key(PK, AttributeValue::S(pk))
                        .key(SK, AttributeValue::S(sk))
                        .update_expression(update)
                        .set_condition_expression(expr.expression)
                        .set_expression_attribute_names(Some(names))
                        .set_expression_attribute_values((!values.is_empty()).then_some(values))
                        .build()
                        .map_err(build)?;
                    TransactWriteItem::builder().update(update).build()
                }
            };
            actions.push(action);
        }
        // DynamoDB cancels a transaction that touches an item another transaction is writing
        // (`TransactionConflict`, e.g. two reviews of one café hitting its rating shard at once).
        // Nothing was written, so retrying is safe; give up as "throttled" (503) if it persists.
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // A fresh idempotency token per attempt of this loop (each follows a definite
            // cancellation, so nothing was written); the SDK's own retries of one attempt resend
            // the same token, so a retried transaction that had committed succeeds instead of
            // failing its own conditions.
            let token = uuid::Uuid::new_v4().to_string();
            let err = match self
                .client
                .transact_write_items()
                .set_transact_items(Some(actions.clone()))
                .client_request_token(token)
                .send()
                .await
            {
                Ok(_) => return Ok(()),
                Err(err) => err,
            };
            let reasons: Vec<Option<String>> = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            if let Some(index) = reasons
                .iter()
                .position(|c| c.as_deref() == Some("ConditionalCheckFailed"))
            {
                return Err(TransactError::ConditionFailed { index });
            }
            let conflict = reasons
                .iter()
                .any(|c| c.as_deref() == Some("TransactionConflict"))
                || err.code() == Some("TransactionConflictException");
            // A transaction DynamoDB cancels because one of its items is being throttled.
            let throttled = reasons.iter().any(|c| {
                matches!(
                    c.as_deref(),
                    Some("ThrottlingError" | "ProvisionedThroughputExceeded")
                )
            });
            if throttled {
                return Err(TransactError::Store(StoreError::Throttled {
                    operation: "transact_write_items",
                }));
            }
            if !conflict {
                return Err(TransactError::Store(classify("transact_write_items")(err)));
            }
            if attempt >= MAX_CONFLICT_ATTEMPTS {
                return Err(TransactError::Store(StoreError::Throttled {
                    operation: "transact_write_items",
                }));
            }
            tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(attempt))).await;
        }
    }
}

/// A condition as a DynamoDB expression with its placeholders.
struct ConditionExpr {
    expression: Option<String>,
    names: Option<HashMap<String, String>>,
    values: Option<HashMap<String, AttributeValue>>,
}

impl ConditionExpr {
    fn of(condition: &Condition) -> Self {
        type Parts<'a> = (
            &'a str,
            Vec<(&'a str, String)>,
            Vec<(&'a str, AttributeValue)>,
        );
        let (expression, names, values): Parts<'_> = match condition {
            Condition::Always => {
                return Self {
                    expression: None,
                    names: None,
                    values: None,
                };
            }
            Condition::Absent => (
                "attribute_not_exists(#cpk)",
                vec![("#cpk", PK.to_owned())],
                vec![],
            ),
            Condition::VersionIs(v) => (
                "#cver = :cver",
                vec![("#cver", VERSION.to_owned())],
                vec![(":cver", AttributeValue::N(v.to_string()))],
            ),
            Condition::Unversioned => (
                "attribute_exists(#cpk) AND attribute_not_exists(#cver)",
                vec![("#cpk", PK.to_owned()), ("#cver", VERSION.to_owned())],
                vec![],
            ),
            Condition::AbsentOrExpired { now } => (
                "attribute_not_exists(#cpk) OR #cexp < :cnow",
                vec![("#cpk", PK.to_owned()), ("#cexp", EXPIRES_AT.to_owned())],
                vec![(":cnow", AttributeValue::N(now.to_string()))],
            ),
            Condition::Below { name, limit } => (
                "attribute_not_exists(#clim) OR #clim < :climit",
                vec![("#clim", format!("{COUNTER_PREFIX}{name}"))],
                vec![(":climit", AttributeValue::N(limit.to_string()))],
            ),
        };
        Self {
            expression: Some(expression.to_owned()),
            names: Some(names.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
            values: (!values.is_empty())
                .then(|| values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
        }
    }
}

fn number(value: &AttributeValue) -> Option<i64> {
    match value {
        AttributeValue::N(n) => n.parse().ok(),
        _ => None,
    }
}

fn stored_item(item: &HashMap<String, AttributeValue>) -> StoredItem {
    let mut counters: Vec<(String, i64)> = item
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(COUNTER_PREFIX)?.to_owned(), number(v)?)))
        .collect();
    counters.sort();
    StoredItem {
        sk: match item.get(SK) {
            Some(AttributeValue::S(sk)) => sk.clone(),
            _ => String::new(),
        },
        doc: match item.get(DOC) {
            Some(AttributeValue::S(doc)) => Some(doc.clone()),
            _ => None,
        },
        version: item.get(VERSION).and_then(number),
        expires_at: item.get(EXPIRES_AT).and_then(number),
        counters,
    }
}

/// The wait before attempt `attempt` (2, 3, …) of a batch call whose previous answer left
/// unprocessed items: exponential from 100 ms, capped at 1.6 s, the one backoff every batch
/// retry loop here uses.
fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(25 << attempt.clamp(1, 6))
}

/// Runs `query` page by page (DynamoDB stops each page at 1 MB) from `start`, handing every
/// item to `each`, until `limit` items were handed over or the results end. Returns the number
/// of pages read. The one `LastEvaluatedKey` loop of this adapter.
async fn query_pages(
    operation: &'static str,
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    mut start: Option<HashMap<String, AttributeValue>>,
    limit: Option<usize>,
    mut each: impl FnMut(HashMap<String, AttributeValue>) -> Result<(), StoreError>,
) -> Result<u32, StoreError> {
    let mut taken = 0usize;
    let mut pages = 0u32;
    loop {
        let want = match limit {
            Some(limit) if taken >= limit => break,
            // A limit too large to send reads to the end.
            Some(limit) => i32::try_from(limit - taken).ok(),
            None => None,
        };
        pages += 1;
        let page = query
            .clone()
            .set_exclusive_start_key(start.take())
            .set_limit(want)
            .send()
            .await
            .map_err(classify(operation))?;
        for item in page.items.unwrap_or_default() {
            taken += 1;
            each(item)?;
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => break,
        }
    }
    Ok(pages)
}
