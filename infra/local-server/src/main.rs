//! `make run`: the whole API on http://127.0.0.1:3000 over the embedded store.

use local_server::{LocalConfig, bind, open, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init();
    let config = LocalConfig::from_env()?;
    let app = open(&config).await?;
    let listener = bind(config.port).await?;
    tracing::info!(
        url = %format!("http://{}", listener.local_addr()?),
        data_dir = %config.data_dir.display(),
        "CraftBean API listening"
    );
    serve(listener, app).await
}
