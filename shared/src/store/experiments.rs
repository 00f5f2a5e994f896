//! Experiment events over any [`ItemTable`]: an exposure or an outcome is one conditional put
//! (absent), so each is stored at most once per unit; an outcome first reads the unit's exposure
//! (strongly consistent) for its variant. A served request (guardrails) is one put keyed by its
//! request id. Analysis reads the list partitions page by page.

use jiff::Timestamp;
use tracing::instrument;

use super::doc::{decode, encode};
use super::keys;
use super::table::{Condition, Item, ItemTable, SortIndex, SortKeys, TransactError, Write};
use crate::experiments::events::{Exposure, Outcome, ServedRequest};
use crate::ports::{ExperimentEvents, StoreError};
use crate::query::PageKey;

/// Puts `item` if absent: `Ok(true)` when written, `Ok(false)` when it already existed.
async fn put_once<S: ItemTable>(store: &S, item: Item) -> Result<bool, StoreError> {
    let put = Write::Put {
        item,
        condition: Condition::Absent,
    };
    match store.transact(vec![put]).await {
        Ok(()) => Ok(true),
        Err(TransactError::ConditionFailed { .. }) => Ok(false),
        Err(TransactError::Store(e)) => Err(e),
    }
}

fn listed(pk: String, sk: String, lpk: String, unit: &str, doc: String) -> Item {
    Item {
        lpk: Some(lpk),
        sort: SortKeys::one(SortIndex::ByName, unit),
        ..Item::plain(pk, sk, doc)
    }
}

async fn page<S: ItemTable, T: serde::de::DeserializeOwned>(
    store: &S,
    lpk: &str,
    after: Option<&PageKey>,
    limit: usize,
) -> Result<(Vec<T>, Option<PageKey>), StoreError> {
    let docs = store
        .query_index(SortIndex::ByName, lpk, after, limit)
        .await?;
    let next = (docs.len() == limit)
        .then(|| docs.last().map(|d| d.key.clone()))
        .flatten();
    let items = docs
        .iter()
        .map(|d| decode(&d.key.pk, &d.key.sk, &d.doc))
        .collect::<Result<Vec<T>, _>>()?;
    Ok((items, next))
}

impl<S: ItemTable> ExperimentEvents for S {
    #[instrument(skip_all, fields(experiment = %exposure.experiment, variant = %exposure.variant))]
    async fn record_exposure(&self, exposure: &Exposure) -> Result<bool, StoreError> {
        let pk = keys::experiment_unit_pk(&exposure.experiment, &exposure.unit);
        let doc = encode(&pk, keys::EXPOSURE_SK, exposure)?;
        let item = listed(
            pk,
            keys::EXPOSURE_SK.to_owned(),
            keys::exposures_lpk(&exposure.experiment),
            &exposure.unit,
            doc,
        );
        put_once(self, item).await
    }

    #[instrument(skip_all, fields(experiment, metric))]
    async fn record_outcome(
        &self,
        experiment: &str,
        unit: &str,
        metric: &str,
        at: Timestamp,
    ) -> Result<Option<Outcome>, StoreError> {
        let pk = keys::experiment_unit_pk(experiment, unit);
        let Some(stored) = self.get_item(&pk, keys::EXPOSURE_SK).await? else {
            return Ok(None);
        };
        let Some(doc) = stored.doc else {
            return Ok(None);
        };
        let exposure: Exposure = decode(&pk, keys::EXPOSURE_SK, &doc)?;
        let outcome = Outcome {
            experiment: experiment.to_owned(),
            unit: unit.to_owned(),
            metric: metric.to_owned(),
            variant: exposure.variant,
            at,
        };
        let sk = keys::outcome_sk(metric);
        let doc = encode(&pk, &sk, &outcome)?;
        let item = listed(pk, sk, keys::outcomes_lpk(experiment, metric), unit, doc);
        Ok(put_once(self, item).await?.then_some(outcome))
    }

    #[instrument(skip_all, fields(experiment = %request.experiment, variant = %request.variant))]
    async fn record_request(&self, request: &ServedRequest) -> Result<(), StoreError> {
        let pk = keys::experiment_unit_pk(&request.experiment, &request.unit);
        let sk = keys::request_sk(&request.request_id);
        let doc = encode(&pk, &sk, request)?;
        let item = listed(
            pk,
            sk,
            keys::requests_lpk(&request.experiment),
            &format!("{}#{}", request.unit, request.request_id),
            doc,
        );
        put_once(self, item).await.map(|_| ())
    }

    async fn requests(
        &self,
        experiment: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<(Vec<ServedRequest>, Option<PageKey>), StoreError> {
        page(self, &keys::requests_lpk(experiment), after, limit).await
    }

    async fn exposures(
        &self,
        experiment: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<(Vec<Exposure>, Option<PageKey>), StoreError> {
        page(self, &keys::exposures_lpk(experiment), after, limit).await
    }

    async fn outcomes(
        &self,
        experiment: &str,
        metric: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<(Vec<Outcome>, Option<PageKey>), StoreError> {
        page(self, &keys::outcomes_lpk(experiment, metric), after, limit).await
    }
}
