//! [`ReplicaProbe`] on every [`ItemTable`]: the one read `GET /health` makes.

use super::ItemTable;
use super::keys;
use crate::ports::{ReplicaProbe, StoreError};

impl<S: ItemTable> ReplicaProbe for S {
    async fn probe(&self) -> Result<(), StoreError> {
        let (pk, sk) = keys::schema_key();
        self.get_item(&pk, &sk).await.map(|_| ())
    }
}
