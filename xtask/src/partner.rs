//! `xtask partner …`: partner lifecycle for ops, against the local store (`--store embedded`,
//! what `make run` serves) or DynamoDB (`--store dynamodb`). The operations themselves are
//! `shared::partners`; this module parses arguments and prints. A key is printed once, when
//! issued: only its hash is stored.
//!
//! With `--usage-plans free=ID,standard=ID,enterprise=ID` (the stack output
//! `PartnerUsagePlans`), each command also keeps API Gateway's keys and usage-plan keys in step
//! (`partner_edge`): the partner REST API knows a key only as an API Gateway key of the same
//! value in its tier's plan. Without it only our store changes (the local server's case).

use anyhow::{Context, bail};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use shared::domain::PartnerId;
use shared::domain::partner::{Limits, PartnerStatus, Tier};
use shared::partners::{self, BillLine};
use shared::ports::{Meter, PartnerStore};

use super::flag_value;
use super::partner_edge::EdgeKeys;

/// How to use `xtask partner`.
pub const USAGE: &str = "usage: xtask partner <command> --store embedded|dynamodb [--data-dir DIR] [--table NAME]
       [--usage-plans free=ID,standard=ID,enterprise=ID]   (also API Gateway's keys: the stack output PartnerUsagePlans)
  create --name NAME [--tier free|standard|enterprise]
  issue-key --partner ID [--grace-hours N]   (with --grace-hours: a rotation; other keys end after N hours)
  revoke-key --partner ID --key KEY_ID
  set-tier --partner ID --tier TIER [--per-second N] [--per-day N] [--per-month N]
  suspend --partner ID | resume --partner ID | delete --partner ID
  list
  bill --month YYYY-MM   (CSV on stdout, by tier)";

fn partner_id(args: &[String]) -> anyhow::Result<PartnerId> {
    let raw = flag_value(args, "--partner").context("--partner ID is required")?;
    PartnerId::parse(&raw).with_context(|| format!("--partner {raw:?}"))
}

fn number(args: &[String], name: &str) -> anyhow::Result<Option<u64>> {
    flag_value(args, name)
        .map(|v| v.parse::<u64>().with_context(|| format!("{name} {v:?}")))
        .transpose()
}

/// Runs one partner command on `store` (and on API Gateway's keys with `edge`), writing what it
/// prints to `out`. Our store changes first: if API Gateway then fails, the command fails with
/// the store already changed, and running it again (or the matching command) brings the edge
/// in step.
pub async fn run<S: PartnerStore + Meter>(
    store: &S,
    edge: Option<&EdgeKeys>,
    args: &[String],
    now: Timestamp,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("create") => {
            let name = flag_value(args, "--name").context("--name NAME is required")?;
            let tier = Tier::parse(&flag_value(args, "--tier").unwrap_or_else(|| "free".into()))?;
            let partner = partners::create(store, &name, tier, now).await?;
            writeln!(
                out,
                "created {} ({}, {})",
                partner.id, partner.name, partner.tier
            )?;
        }
        Some("issue-key") => {
            let id = partner_id(args)?;
            let grace = number(args, "--grace-hours")?
                .map(|h| SignedDuration::from_hours(i64::try_from(h).unwrap_or(i64::MAX / 3_600)));
            let key = partners::issue_key(store, &id, grace, now).await?;
            if let Some(edge) = edge {
                let partner = store
                    .get_partner(&id)
                    .await?
                    .with_context(|| format!("no partner {id}"))?;
                let gateway_id = edge.create(&partner, &key).await?;
                writeln!(
                    out,
                    "API Gateway key: {gateway_id} (plan of {})",
                    partner.tier
                )?;
            }
            writeln!(out, "key id: {}", key.id())?;
            writeln!(out, "key (shown once, store it now): {}", key.expose())?;
            if let Some(grace) = grace {
                writeln!(out, "other keys of {id} stop working in {grace:#}")?;
            }
        }
        Some("revoke-key") => {
            let id = partner_id(args)?;
            let raw = flag_value(args, "--key").context("--key KEY_ID is required")?;
            let key =
                shared::domain::ApiKeyId::parse(&raw).with_context(|| format!("--key {raw:?}"))?;
            store.revoke_key(&id, &key, now).await?;
            if let Some(edge) = edge {
                let n = edge.set_enabled(&id, Some(&key), false).await?;
                writeln!(out, "disabled {n} API Gateway key(s)")?;
            }
            writeln!(out, "revoked {key}")?;
        }
        Some("set-tier") => {
            let id = partner_id(args)?;
            let tier = Tier::parse(&flag_value(args, "--tier").context("--tier is required")?)?;
            let custom = [
                number(args, "--per-second")?,
                number(args, "--per-day")?,
                number(args, "--per-month")?,
            ];
            let limits = custom.iter().any(Option::is_some).then(|| {
                let base = tier.default_limits();
                Limits {
                    per_second: custom[0]
                        .map_or(base.per_second, |n| u32::try_from(n).unwrap_or(u32::MAX)),
                    per_day: custom[1].or(base.per_day),
                    per_month: custom[2].or(base.per_month),
                }
            });
            let partner = partners::set_tier(store, &id, tier, limits).await?;
            if let Some(edge) = edge {
                let n = edge.move_to(&id, tier).await?;
                writeln!(out, "moved {n} API Gateway key(s) to the {tier} plan")?;
            }
            writeln!(
                out,
                "{} is {} with {:?}",
                partner.id, partner.tier, partner.limits
            )?;
        }
        Some(cmd @ ("suspend" | "resume")) => {
            let id = partner_id(args)?;
            let status = if cmd == "suspend" {
                PartnerStatus::Suspended
            } else {
                PartnerStatus::Active
            };
            let partner = partners::set_status(store, &id, status).await?;
            if let Some(edge) = edge {
                // Resuming enables revoked keys at the edge too: the gate still refuses them.
                let enabled = status == PartnerStatus::Active;
                let n = edge.set_enabled(&id, None, enabled).await?;
                writeln!(out, "{n} API Gateway key(s) enabled: {enabled}")?;
            }
            writeln!(out, "{} is {:?}", partner.id, partner.status)?;
        }
        Some("delete") => {
            let id = partner_id(args)?;
            let keys = store.delete_partner(&id).await?;
            if let Some(edge) = edge {
                let n = edge.delete(&id).await?;
                writeln!(out, "deleted {n} API Gateway key(s)")?;
            }
            writeln!(out, "deleted {id} and {} keys (usage kept)", keys.len())?;
        }
        Some("list") => {
            for p in store.list_partners().await? {
                writeln!(out, "{}\t{}\t{}\t{:?}", p.id, p.tier, p.name, p.status)?;
            }
        }
        Some("bill") => {
            let raw = flag_value(args, "--month").context("--month YYYY-MM is required")?;
            let month: Date = format!("{raw}-01")
                .parse()
                .with_context(|| format!("--month {raw:?} is not YYYY-MM"))?;
            let lines = partners::bill_month(store, month).await?;
            write_bill(&raw, &lines, out)?;
        }
        _ => bail!("{USAGE}"),
    }
    Ok(())
}

/// The month's bill as CSV: one row per partner, grouped by tier, then one total row per tier.
pub fn write_bill(
    month: &str,
    lines: &[BillLine],
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "month",
        "tier",
        "partner_id",
        "partner_name",
        "billed_calls",
        "client_errors",
        "server_errors_not_billed",
        "amount_usd",
    ])?;
    let usd = |cents: u64| format!("{}.{:02}", cents / 100, cents % 100);
    for tier in Tier::ALL {
        let of_tier: Vec<&BillLine> = lines.iter().filter(|l| l.partner.tier == tier).collect();
        if of_tier.is_empty() {
            continue;
        }
        for line in &of_tier {
            csv.write_record([
                month,
                tier.as_str(),
                line.partner.id.as_str(),
                line.partner.name.as_str(),
                &line.billed.to_string(),
                &line.client_errors.to_string(),
                &line.server_errors.to_string(),
                &usd(line.amount_cents),
            ])?;
        }
        let sum = |f: fn(&BillLine) -> u64| of_tier.iter().map(|l| f(l)).sum::<u64>();
        csv.write_record([
            month,
            tier.as_str(),
            "TOTAL",
            "",
            &sum(|l| l.billed).to_string(),
            &sum(|l| l.client_errors).to_string(),
            &sum(|l| l.server_errors).to_string(),
            &usd(sum(|l| l.amount_cents)),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use shared::ports::Admission;
    use shared::store::sqlite::SqliteStore;

    async fn cmd(store: &SqliteStore, line: &str, now: &str) -> String {
        let args: Vec<String> = line.split(' ').map(str::to_owned).collect();
        let mut out = Vec::new();
        run(store, None, &args, now.parse().unwrap(), &mut out)
            .await
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn field<'a>(text: &'a str, prefix: &str) -> &'a str {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
    }

    #[tokio::test]
    async fn lifecycle_and_a_monthly_bill_by_tier() {
        let store = SqliteStore::in_memory().unwrap();
        let t = "2026-11-02T09:00:00Z";
        let created = cmd(&store, "create --name Bean,Maps --tier standard", t).await;
        let id = PartnerId::parse(field(&created, "created ")).unwrap();
        let other = cmd(&store, "create --name Cupping\"Co\"", t).await;
        let other_id = PartnerId::parse(field(&other, "created ")).unwrap();

        let issued = cmd(&store, &format!("issue-key --partner {id}"), t).await;
        let first = shared::domain::partner::ApiKeySecret::parse(field(
            &issued,
            "key (shown once, store it now): ",
        ))
        .unwrap();
        let rotated = cmd(
            &store,
            &format!("issue-key --partner {id} --grace-hours 24"),
            "2026-11-03T00:00:00Z",
        )
        .await;
        assert!(rotated.contains("stop working in"));
        let (old, _) = store.find_key(&first.hash()).await.unwrap().unwrap();
        assert_eq!(
            old.valid_until,
            Some("2026-11-04T00:00:00Z".parse().unwrap())
        );

        let tiered = cmd(
            &store,
            &format!("set-tier --partner {other_id} --tier enterprise --per-second 300"),
            t,
        )
        .await;
        assert!(tiered.contains("per_second: 300"), "{tiered}");
        let suspended = cmd(&store, &format!("suspend --partner {other_id}"), t).await;
        assert!(suspended.contains("Suspended"));
        cmd(&store, &format!("resume --partner {other_id}"), t).await;
        assert_eq!(
            store.get_partner(&other_id).await.unwrap().unwrap().status,
            PartnerStatus::Active
        );

        // Three admitted calls in November through the real path (admit, then settle): a 200
        // and a 404 billed, a 500 not; within the standard fee's included calls.
        let partner = store.get_partner(&id).await.unwrap().unwrap();
        for (i, status) in [200, 404, 500].into_iter().enumerate() {
            let request = format!("r{i}");
            let outcome = store
                .admit(&Admission {
                    partner: &id,
                    key: &old.key_id,
                    route: "usage",
                    request_id: &request,
                    limits: partner.limits,
                    now: "2026-11-05T10:00:00Z".parse().unwrap(),
                })
                .await
                .unwrap();
            assert!(outcome.admitted);
            store.settle(&id, &request, status).await.unwrap();
        }
        let bill = cmd(&store, "bill --month 2026-11", t).await;
        let rows: Vec<&str> = bill.lines().collect();
        assert_eq!(
            rows[0],
            "month,tier,partner_id,partner_name,billed_calls,client_errors,server_errors_not_billed,amount_usd"
        );
        assert_eq!(
            rows[1],
            format!("2026-11,standard,{id},\"Bean,Maps\",2,1,1,49.00")
        );
        assert_eq!(rows[2], "2026-11,standard,TOTAL,,2,1,1,49.00");
        assert_eq!(
            rows[3],
            format!("2026-11,enterprise,{other_id},\"Cupping\"\"Co\"\"\",0,0,0,500.00")
        );
        assert_eq!(rows.len(), 5);
        assert!(
            cmd(&store, "bill --month 2026-10", t)
                .await
                .contains(",0,0,0,49.00")
        );

        let deleted = cmd(&store, &format!("delete --partner {id}"), t).await;
        assert!(deleted.contains("2 keys"));
        assert!(store.find_key(&first.hash()).await.unwrap().is_none());
        let listed = cmd(&store, "list", t).await;
        assert_eq!(listed.lines().count(), 1);
    }

    #[tokio::test]
    async fn bad_arguments_are_errors_not_panics() {
        let store = SqliteStore::in_memory().unwrap();
        for line in [
            "",
            "create",
            "create --name X --tier gold",
            "issue-key --partner nope",
            "issue-key --partner ptn_0000000000000001",
            "set-tier --partner ptn_0000000000000001",
            "bill --month 2026-13",
            "frobnicate",
        ] {
            let args: Vec<String> = line
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let mut out = Vec::new();
            assert!(
                run(&store, None, &args, Timestamp::UNIX_EPOCH, &mut out)
                    .await
                    .is_err(),
                "{line:?}"
            );
        }
    }

    /// moto's server, started by `make test` (never skipped: without it this fails).
    async fn moto_apigateway() -> aws_sdk_apigateway::Client {
        let endpoint = std::env::var("CRAFTBEAN_TEST_AWS_ENDPOINT").expect(
            "CRAFTBEAN_TEST_AWS_ENDPOINT is not set: run `make test` or `eval \"$(scripts/moto.sh)\"`",
        );
        shared::aws::Aws::local(
            shared::aws::Budget::of(shared::aws::BudgetKind::Tool),
            &endpoint,
        )
        .await
        .apigateway()
    }

    /// The ids of the API Gateway keys in `plan`.
    async fn plan_keys(client: &aws_sdk_apigateway::Client, plan: &str) -> Vec<String> {
        let page = client
            .get_usage_plan_keys()
            .usage_plan_id(plan)
            .send()
            .await
            .unwrap();
        page.items()
            .iter()
            .filter_map(|k| k.id().map(str::to_owned))
            .collect()
    }

    /// With `--usage-plans`, every command keeps API Gateway's keys in step with our store, over
    /// moto's API Gateway: a key exists there with the same value in its tier's plan, moves
    /// with the tier, is disabled when revoked or suspended, and goes with the partner.
    #[tokio::test]
    async fn with_usage_plans_api_gateway_keys_follow_the_lifecycle_over_moto() {
        let client = moto_apigateway().await;
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let mut ids = Vec::new();
        for tier in Tier::ALL {
            let plan = client
                .create_usage_plan()
                .name(format!("{unique}-{tier}"))
                .send()
                .await
                .unwrap();
            ids.push(plan.id().unwrap().to_owned());
        }
        let plans = crate::partner_edge::UsagePlans {
            free: ids[0].clone(),
            standard: ids[1].clone(),
            enterprise: ids[2].clone(),
        };
        let edge = EdgeKeys {
            client: client.clone(),
            plans: plans.clone(),
        };
        let store = SqliteStore::in_memory().unwrap();
        let t = "2026-11-02T09:00:00Z";
        let run_edge = |line: String| {
            let args: Vec<String> = line.split(' ').map(str::to_owned).collect();
            let (store, edge) = (&store, &edge);
            async move {
                let mut out = Vec::new();
                run(store, Some(edge), &args, t.parse().unwrap(), &mut out)
                    .await
                    .unwrap();
                String::from_utf8(out).unwrap()
            }
        };
        let created = run_edge("create --name Bean --tier standard".into()).await;
        let id = PartnerId::parse(field(&created, "created ")).unwrap();
        let issued = run_edge(format!("issue-key --partner {id}")).await;
        let secret = field(&issued, "key (shown once, store it now): ").to_owned();
        let first_key = field(&issued, "key id: ").to_owned();
        let gateway_id = field(&issued, "API Gateway key: ").to_owned();
        let key = client
            .get_api_key()
            .api_key(&gateway_id)
            .include_value(true)
            .send()
            .await
            .unwrap();
        assert_eq!(key.value(), Some(secret.as_str()), "the same value as ours");
        assert_eq!(key.name(), Some(format!("{id}/{first_key}").as_str()));
        assert!(key.enabled());
        assert_eq!(
            plan_keys(&client, &plans.standard).await,
            std::slice::from_ref(&gateway_id)
        );

        // A rotation adds a second key in the same plan.
        let rotated = run_edge(format!("issue-key --partner {id} --grace-hours 24")).await;
        let second_id = field(&rotated, "API Gateway key: ").to_owned();
        assert_eq!(plan_keys(&client, &plans.standard).await.len(), 2);

        // A new tier moves both keys.
        run_edge(format!("set-tier --partner {id} --tier enterprise")).await;
        assert!(plan_keys(&client, &plans.standard).await.is_empty());
        let mut moved = plan_keys(&client, &plans.enterprise).await;
        moved.sort();
        let mut both = vec![gateway_id.clone(), second_id.clone()];
        both.sort();
        assert_eq!(moved, both);

        let enabled = |gateway_key: String| {
            let client = client.clone();
            async move {
                client
                    .get_api_key()
                    .api_key(gateway_key)
                    .send()
                    .await
                    .unwrap()
                    .enabled()
            }
        };
        run_edge(format!("revoke-key --partner {id} --key {first_key}")).await;
        assert!(!enabled(gateway_id.clone()).await, "revoked: disabled");
        assert!(enabled(second_id.clone()).await, "the other key stays");
        run_edge(format!("suspend --partner {id}")).await;
        assert!(
            !enabled(second_id.clone()).await,
            "suspended: every key disabled"
        );
        run_edge(format!("resume --partner {id}")).await;
        assert!(enabled(second_id.clone()).await);

        let deleted = run_edge(format!("delete --partner {id}")).await;
        assert!(
            deleted.contains("deleted 2 API Gateway key(s)"),
            "{deleted}"
        );
        assert!(edge.keys_of(&id).await.unwrap().is_empty());
        assert!(plan_keys(&client, &plans.enterprise).await.is_empty());
    }
}
