//! `make load`: one fixed-rate run of the realistic mix against a running local server, then
//! the check of every acknowledged write. Flags: `load --help`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = load::Options::from_args(std::env::args().skip(1))?;
    let verdict = load::run(&options).await?;
    println!("{}", verdict.summary);
    if !verdict.passed() {
        anyhow::bail!("load run failed: {}", verdict.failures.join("; "));
    }
    Ok(())
}
