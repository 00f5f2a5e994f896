//! The one place AWS SDK configurations and clients are built (feature `aws`).
//!
//! Every client leaves here with a [`Budget`]: connect, attempt and operation timeouts, the
//! SDK's standard retry mode (bounded attempts, exponential backoff, the retry quota's token
//! bucket) and a circuit breaker ([`Breaker`]) on its downstream, so no SDK call can run
//! without a deadline and a failing dependency is answered fast with 503s. The budget is
//! chosen per function *kind* by `CRAFTBEAN_BUDGET` (docs/resilience.md has the table).
//! Nothing else in the workspace may call `aws_config::` or a client constructor
//! (tests/tests/it/tidy.rs).
//!
//! Lambda functions do not link aws-config: [`Aws::from_env`] builds their configuration from
//! the variables Lambda sets ([`lambda_sdk_config`]). Its loader and default credential chain
//! (profile files, SSO, web identity with an STS client, ECS, IMDS) come with the `aws-chain`
//! feature, for tools run outside Lambda (docs/build-size.md, "Without aws-config").

use std::error::Error;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_async::time::SystemTimeSource;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;
use failsafe::failure_policy::{ConsecutiveFailures, consecutive_failures};
use failsafe::{StateMachine, backoff};

use crate::config::ConfigError;
use crate::ports::StoreError;

/// The AWS configuration type the presigner keeps (credentials and region).
pub use aws_types::SdkConfig;

/// The variable naming a function's budget kind (`read`, `write`, `worker`, `sweep`, `tool`).
pub const BUDGET_VAR: &str = "CRAFTBEAN_BUDGET";

/// Error codes that mean "slow down" across DynamoDB, S3, SQS and CloudFront.
const THROTTLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "SlowDown",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
];

/// What a function does, which decides how long its SDK calls may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BudgetKind {
    /// API reads (`GET` routes): small items, a caller waiting.
    Read,
    /// API writes: transactions, idempotency records, a caller waiting.
    Write,
    /// The SQS photo worker: whole objects from S3, nobody waiting on the line.
    Worker,
    /// The scheduled sweep: pages of pending photos, nobody waiting.
    Sweep,
    /// Tools, tests and local runs (`xtask`, `cargo lambda watch` without the variable).
    Tool,
}

impl BudgetKind {
    /// Every kind, in the order docs/resilience.md lists them.
    pub const ALL: [BudgetKind; 5] = [
        BudgetKind::Read,
        BudgetKind::Write,
        BudgetKind::Worker,
        BudgetKind::Sweep,
        BudgetKind::Tool,
    ];

    /// The value `CRAFTBEAN_BUDGET` takes for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Worker => "worker",
            Self::Sweep => "sweep",
            Self::Tool => "tool",
        }
    }
}

impl fmt::Display for BudgetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BudgetKind {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == value.trim())
            .ok_or_else(|| {
                format!(
                    "unknown budget {value:?}; expected one of {}",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

/// How long one function's SDK calls may take, and how hard they retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub kind: BudgetKind,
    /// Establishing a TCP/TLS connection.
    pub connect: Duration,
    /// One attempt: request sent, response read.
    pub attempt: Duration,
    /// The whole operation, every retry and backoff included.
    pub operation: Duration,
    /// Attempts per operation (1 = no retry), standard retry mode.
    pub max_attempts: u32,
    /// First backoff of the standard retry mode (then exponential, jittered).
    pub initial_backoff: Duration,
    /// Largest backoff between two attempts.
    pub max_backoff: Duration,
    /// Consecutive failed operations (timeouts, connection errors, 5xx, throttling) that open
    /// the breaker on a downstream.
    pub breaker_failures: u32,
    /// How long an open breaker answers without calling; then one call probes (half-open).
    pub breaker_open: Duration,
}

const fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

impl Budget {
    /// The budget of `kind`: the table in docs/resilience.md (`tests/tests/it/tidy.rs` keeps
    /// the two equal).
    pub const fn of(kind: BudgetKind) -> Budget {
        match kind {
            BudgetKind::Read => Budget {
                kind,
                connect: ms(250),
                attempt: ms(300),
                operation: ms(1_000),
                max_attempts: 3,
                initial_backoff: ms(25),
                max_backoff: ms(200),
                breaker_failures: 5,
                breaker_open: ms(2_000),
            },
            BudgetKind::Write => Budget {
                kind,
                connect: ms(250),
                attempt: ms(700),
                operation: ms(2_000),
                max_attempts: 3,
                initial_backoff: ms(50),
                max_backoff: ms(400),
                breaker_failures: 5,
                breaker_open: ms(2_000),
            },
            BudgetKind::Worker => Budget {
                kind,
                connect: ms(1_000),
                attempt: ms(10_000),
                operation: ms(30_000),
                max_attempts: 3,
                initial_backoff: ms(100),
                max_backoff: ms(2_000),
                breaker_failures: 5,
                breaker_open: ms(5_000),
            },
            BudgetKind::Sweep => Budget {
                kind,
                connect: ms(1_000),
                attempt: ms(2_000),
                operation: ms(6_000),
                max_attempts: 3,
                initial_backoff: ms(100),
                max_backoff: ms(1_000),
                breaker_failures: 5,
                breaker_open: ms(5_000),
            },
            BudgetKind::Tool => Budget {
                kind,
                connect: ms(3_000),
                attempt: ms(10_000),
                operation: ms(60_000),
                max_attempts: 5,
                initial_backoff: ms(100),
                max_backoff: ms(5_000),
                breaker_failures: 20,
                breaker_open: ms(1_000),
            },
        }
    }

    /// The budget `CRAFTBEAN_BUDGET` names; `tool` when unset (local runs, `cargo lambda
    /// watch`); an unknown value fails start-up naming the variable.
    pub fn from_env() -> Result<Budget, ConfigError> {
        let kind = crate::config::optional(BUDGET_VAR, BudgetKind::from_str)?;
        Ok(Budget::of(kind.unwrap_or(BudgetKind::Tool)))
    }

    fn timeouts(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }

    fn retries(&self) -> RetryConfig {
        RetryConfig::standard()
            .with_max_attempts(self.max_attempts)
            .with_initial_backoff(self.initial_backoff)
            .with_max_backoff(self.max_backoff)
    }
}

/// An SDK configuration with its budget applied; the only source of SDK clients.
#[derive(Clone, Debug)]
pub struct Aws {
    sdk: SdkConfig,
    budget: Budget,
    /// S3 needs path-style addressing on a local protocol server (read only by the S3 client).
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    path_style: bool,
}

impl Aws {
    /// The environment's region and credentials (the function's role in Lambda), and
    /// `AWS_ENDPOINT_URL` for a local protocol server, with `budget` applied.
    ///
    /// With credentials in the environment (`AWS_ACCESS_KEY_ID`: always in Lambda, and under
    /// `cargo lambda watch` after `scripts/moto.sh`) the configuration comes from the
    /// environment alone ([`lambda_sdk_config`]); outside Lambda, with the `aws-chain` feature,
    /// aws-config's default chain applies instead (profiles, SSO with `aws-profiles`). Without
    /// that feature and without credentials, start-up fails naming the missing variable.
    pub async fn from_env(budget: Budget) -> Result<Self, ConfigError> {
        let path_style = std::env::var_os("AWS_ENDPOINT_URL").is_some();
        #[cfg(feature = "aws-chain")]
        if !credentials_from_environment(|name| std::env::var_os(name).is_some()) {
            let sdk = aws_config::defaults(BehaviorVersion::latest())
                .http_client(https_client())
                .timeout_config(budget.timeouts())
                .retry_config(budget.retries())
                .load()
                .await;
            return Ok(Self {
                sdk,
                budget,
                path_style,
            });
        }
        let sdk = lambda_sdk_config(|name| std::env::var(name).ok(), https_client(), &budget)?;
        Ok(Self {
            sdk,
            budget,
            path_style,
        })
    }

    /// As [`Aws::from_env`] with the budget `CRAFTBEAN_BUDGET` names. For `main` functions
    /// whose constructors cannot return an error: an invalid value stops start-up with the
    /// variable's name (the Lambda init fails, which is what a bad deployment should do).
    pub async fn from_env_budget() -> Self {
        let aws = match Budget::from_env() {
            Ok(budget) => Self::from_env(budget).await,
            Err(err) => Err(err),
        };
        match aws {
            Ok(aws) => aws,
            Err(err) => {
                tracing::error!(error = %err, "invalid configuration");
                panic!("{err}");
            }
        }
    }

    /// A local protocol server at `endpoint` (moto, the chaos proxy) with dummy credentials
    /// in `us-east-1`: tests and tools.
    pub async fn local(budget: Budget, endpoint: &str) -> Self {
        Self::local_over(https_client(), budget, endpoint)
    }

    /// [`Aws::local`] over the HTTP client `client`: the configuration [`lambda_sdk_config`]
    /// builds for these variables, so every test against moto runs the code Lambda runs.
    fn local_over(
        client: aws_smithy_runtime_api::client::http::SharedHttpClient,
        budget: Budget,
        endpoint: &str,
    ) -> Self {
        let env = |name: &str| {
            match name {
                "AWS_REGION" => Some("us-east-1"),
                "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => Some("testing"),
                "AWS_ENDPOINT_URL" => Some(endpoint),
                _ => None,
            }
            .map(str::to_owned)
        };
        let sdk = match lambda_sdk_config(env, client, &budget) {
            Ok(sdk) => sdk,
            // Every variable `lambda_sdk_config` requires is given above.
            Err(err) => unreachable!("local configuration: {err}"),
        };
        Self {
            sdk,
            budget,
            path_style: true,
        }
    }

    /// The budget every client from here gets.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Region and credentials (the presigner signs with them; it needs no client).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }

    /// A DynamoDB client with its own breaker.
    #[cfg(feature = "dynamodb")]
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::config::Builder::from(&self.sdk)
            .interceptor(Breaker::new("dynamodb", &self.budget))
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// An S3 client with its own breaker (path-style on a local endpoint).
    #[cfg(feature = "s3")]
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk)
            .force_path_style(self.path_style)
            .interceptor(Breaker::new("s3", &self.budget))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// An SQS client with its own breaker.
    #[cfg(feature = "sqs")]
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        let config = aws_sdk_sqs::config::Builder::from(&self.sdk)
            .interceptor(Breaker::new("sqs", &self.budget))
            .build();
        aws_sdk_sqs::Client::from_conf(config)
    }

    /// A CloudFormation client with its own breaker (stack outputs for deploy tools).
    #[cfg(feature = "cloudformation")]
    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        let config = aws_sdk_cloudformation::config::Builder::from(&self.sdk)
            .interceptor(Breaker::new("cloudformation", &self.budget))
            .build();
        aws_sdk_cloudformation::Client::from_conf(config)
    }

    /// A CloudFront client with its own breaker.
    #[cfg(feature = "cloudfront")]
    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        let config = aws_sdk_cloudfront::config::Builder::from(&self.sdk)
            .interceptor(Breaker::new("cloudfront", &self.budget))
            .build();
        aws_sdk_cloudfront::Client::from_conf(config)
    }

    /// An API Gateway client with its own breaker (partner keys and usage-plan keys).
    #[cfg(feature = "apigateway")]
    pub fn apigateway(&self) -> aws_sdk_apigateway::Client {
        let config = aws_sdk_apigateway::config::Builder::from(&self.sdk)
            .interceptor(Breaker::new("apigateway", &self.budget))
            .build();
        aws_sdk_apigateway::Client::from_conf(config)
    }
}

/// The SDK configuration of a Lambda function, from the variables Lambda sets and nothing
/// else (no profile files, no credential chain, no aws-config):
///
/// - region: `AWS_REGION` (Lambda), else `AWS_DEFAULT_REGION`; required;
/// - credentials: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, required, with
///   `AWS_SESSION_TOKEN` if set (the execution role's, valid for the execution environment's
///   life);
/// - `AWS_ENDPOINT_URL` (a local protocol server), `AWS_USE_FIPS_ENDPOINT` and
///   `AWS_USE_DUALSTACK_ENDPOINT` (`true`/`false`) if set;
/// - `budget`'s timeouts and retries, `client`, Tokio's sleep and the system clock.
///
/// Service-specific variables aws-config would also read (`AWS_ENDPOINT_URL_<SERVICE>`,
/// checksum and compression settings, `AWS_PROFILE`) are not read: nothing in the template sets
/// them. `get` reads one variable (injected for tests).
pub fn lambda_sdk_config(
    get: impl Fn(&str) -> Option<String>,
    client: aws_smithy_runtime_api::client::http::SharedHttpClient,
    budget: &Budget,
) -> Result<SdkConfig, ConfigError> {
    let present = |name: &'static str| get(name).filter(|v| !v.trim().is_empty());
    let required = |name: &'static str| present(name).ok_or(ConfigError::Missing(name));
    let flag = |name: &'static str| -> Result<Option<bool>, ConfigError> {
        match present(name) {
            None => Ok(None),
            Some(value) => match value.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(ConfigError::Invalid {
                    name,
                    reason: "must be true or false".to_owned(),
                }),
            },
        }
    };
    let region = present("AWS_REGION").map_or_else(|| required("AWS_DEFAULT_REGION"), Ok)?;
    let credentials = Credentials::new(
        required("AWS_ACCESS_KEY_ID")?,
        required("AWS_SECRET_ACCESS_KEY")?,
        present("AWS_SESSION_TOKEN"),
        None,
        "environment",
    );
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(client)
        .timeout_config(budget.timeouts())
        .retry_config(budget.retries())
        .sleep_impl(TokioSleep::new())
        .time_source(SystemTimeSource::new());
    if let Some(endpoint) = present("AWS_ENDPOINT_URL") {
        builder = builder.endpoint_url(endpoint);
    }
    if let Some(fips) = flag("AWS_USE_FIPS_ENDPOINT")? {
        builder = builder.use_fips(fips);
    }
    if let Some(dual_stack) = flag("AWS_USE_DUALSTACK_ENDPOINT")? {
        builder = builder.use_dual_stack(dual_stack);
    }
    Ok(builder.build())
}

/// Whether to take credentials from the environment alone: in Lambda (`AWS_LAMBDA_FUNCTION_NAME`)
/// with `AWS_ACCESS_KEY_ID` set, where the runtime puts the execution role's credentials and the
/// default chain's first provider (the environment) is the one that answers. Building the rest
/// of that chain (profile files, web identity with its STS client, ECS, IMDS) costs init time
/// for providers that are never asked (docs/coldstart.md). Elsewhere, and in a Lambda without
/// them, the default chain applies (with the `aws-chain` feature).
#[cfg_attr(not(feature = "aws-chain"), allow(dead_code))]
fn credentials_from_environment(is_set: impl Fn(&str) -> bool) -> bool {
    is_set("AWS_LAMBDA_FUNCTION_NAME") && is_set("AWS_ACCESS_KEY_ID")
}

/// The roots every AWS endpoint's certificate chains to: Amazon Trust Services' Amazon Root
/// CA 1–4 and the Starfield Services root that cross-signs them, as Mozilla's CA list (Debian's
/// `ca-certificates`) has them. `tests::the_pinned_roots_are_amazons_from_mozillas_list` checks
/// each against the `webpki-root-certs` crate.
pub const AWS_ROOTS_PEM: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// The HTTPS client of every SDK client: the SDK's hyper 1 client with rustls on ring, proxy
/// settings from the environment, connector settings and sleep from the client's config, trusting
/// only the Amazon Trust Services roots ([`AWS_ROOTS_PEM`], compiled in) instead of the platform's
/// whole store. The SDK's default reads the certificate bundle and every file of the certificates
/// directory and PEM-parses each of some 440 certificates when the first client is built: most of
/// the init time a function spent beyond a hello world (docs/coldstart.md). Every AWS service
/// endpoint (DynamoDB, S3, SQS, CloudFront, STS) has served Amazon Trust Services certificates
/// since the 2018–2022 migration; the clients built here talk to nothing else (plain HTTP to a
/// local protocol server is unaffected). Ring instead of the SDK's default aws-lc: about 0.2 MB
/// less per deployment zip (docs/build-size.md, "TLS on ring");
/// `tests::the_https_client_verifies_certificates_against_the_roots_it_is_given` checks that
/// chains are still verified against these roots and nothing else.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    https_client_trusting(AWS_ROOTS_PEM)
}

/// [`https_client`] trusting the PEM certificates `roots` alone. (`TlsContext`'s builder cannot
/// fail today; if it ever does, the connector keeps the SDK's default context: the platform's
/// roots.)
fn https_client_trusting(
    roots: impl Into<Vec<u8>>,
) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
    use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig};

    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(roots);
    let context = TlsContext::builder().with_trust_store(trust).build();
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector =
            ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::Ring));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        if let Ok(context) = &context {
            connector.set_tls_context(context.clone());
        }
        connector.build()
    })
}

/// The error an operation fails with while its downstream's breaker is open.
#[derive(Debug, thiserror::Error)]
#[error("circuit open: {downstream} failed repeatedly; not calling it for now")]
pub struct CircuitOpen {
    pub downstream: &'static str,
}

/// Marks an execution the breaker refused, so its (failed) end is not counted again.
#[derive(Debug)]
struct Refused;

impl Storable for Refused {
    type Storer = StoreReplace<Self>;
}

/// Stored for each execution the breaker let through. The SDK runs `read_after_execution`
/// inside its operation timeout, so an operation cut off by that timeout (or dropped at the
/// handler's deadline) never reports; its configuration bag, and this guard with it, is dropped
/// instead, which counts as a failure.
#[derive(Debug)]
struct InFlight {
    breaker: Breaker,
    settled: std::sync::atomic::AtomicBool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.settled.load(std::sync::atomic::Ordering::SeqCst) {
            self.breaker.record(true);
        }
    }
}

impl Storable for InFlight {
    type Storer = StoreReplace<Self>;
}

/// Logs the breaker's transitions.
#[derive(Clone, Copy, Debug)]
struct Log(&'static str);

impl failsafe::Instrument for Log {
    fn on_call_rejected(&self) {}

    fn on_open(&self) {
        tracing::warn!(downstream = self.0, "circuit breaker opened");
    }

    fn on_half_open(&self) {
        tracing::info!(downstream = self.0, "circuit breaker half-open: probing");
    }

    fn on_closed(&self) {
        tracing::info!(downstream = self.0, "circuit breaker closed");
    }
}

/// A circuit breaker around one client's downstream, as an SDK interceptor: after
/// `breaker_failures` consecutive failed operations it refuses calls for `breaker_open`, then
/// lets calls probe; one success closes it. Failures are what retrying cannot cure quickly:
/// timeouts, connection errors, unreadable responses, 5xx and throttling. A service's 4xx
/// answer (a failed condition, a missing key) is a healthy downstream.
#[derive(Clone, Debug)]
pub struct Breaker {
    downstream: &'static str,
    machine: StateMachine<ConsecutiveFailures<backoff::Constant>, Log>,
}

impl Breaker {
    /// A closed breaker for `downstream` sized by `budget`.
    pub fn new(downstream: &'static str, budget: &Budget) -> Self {
        let policy = consecutive_failures(
            budget.breaker_failures,
            backoff::constant(budget.breaker_open),
        );
        Self {
            downstream,
            machine: failsafe::Config::new()
                .failure_policy(policy)
                .instrument(Log(downstream))
                .build(),
        }
    }

    /// Whether a call may go out now (false while open).
    pub fn permits(&self) -> bool {
        self.machine.is_call_permitted()
    }

    /// Records an operation's outcome: `true` if it failed in a way that counts.
    pub fn record(&self, failed: bool) {
        if failed {
            self.machine.on_error();
        } else {
            self.machine.on_success();
        }
    }
}

/// Whether a failed response's status and body say the service is overloaded or broken.
fn response_counts_as_failure(response: &HttpResponse) -> bool {
    let status = response.status().as_u16();
    if status >= 500 || status == 429 {
        return true;
    }
    let header = response
        .headers()
        .get("x-amzn-errortype")
        .unwrap_or_default();
    let body = response
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    THROTTLE_CODES
        .iter()
        .any(|code| header.contains(code) || body.contains(code))
}

impl Intercept for Breaker {
    fn name(&self) -> &'static str {
        "CraftBeanCircuitBreaker"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.permits() {
            cfg.interceptor_state().store_put(InFlight {
                breaker: self.clone(),
                settled: std::sync::atomic::AtomicBool::new(false),
            });
            return Ok(());
        }
        cfg.interceptor_state().store_put(Refused);
        Err(Box::new(CircuitOpen {
            downstream: self.downstream,
        }))
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Refused>().is_some() {
            return Ok(());
        }
        if let Some(in_flight) = cfg.load::<InFlight>() {
            in_flight
                .settled
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        let failed = match context.output_or_error() {
            None | Some(Ok(_)) => false,
            Some(Err(err)) if err.is_interceptor_error() => return Ok(()),
            Some(Err(err)) => {
                err.is_timeout_error()
                    || err.is_connector_error()
                    || err.is_response_error()
                    || context.response().is_none_or(response_counts_as_failure)
            }
        };
        self.record(failed);
        Ok(())
    }
}

/// Whether `err`'s cause chain holds `T`.
fn chain_has<T: Error + 'static>(err: &(dyn Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.is::<T>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// An SDK failure as a [`StoreError`]: throttling becomes `Throttled`; timeouts, connection
/// errors, unreadable responses, 5xx and an open breaker become `Unavailable` (both answer
/// 503 with `Retry-After`); anything else (a bad request, missing permissions) stays
/// `Backend` (500).
pub fn store_error<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
{
    if err
        .code()
        .is_some_and(|code| THROTTLE_CODES.contains(&code))
    {
        return StoreError::Throttled { operation };
    }
    let transient = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => service.raw().status().as_u16() >= 500,
        _ => chain_has::<CircuitOpen>(&err),
    };
    if transient {
        StoreError::Unavailable {
            operation,
            source: Box::new(err),
        }
    } else {
        StoreError::Backend {
            operation,
            source: Box::new(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    /// The variables Lambda sets for a function (with a session token).
    fn lambda_env(extra: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        let mut vars = vec![
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_LAMBDA_FUNCTION_NAME", "get-cafe"),
        ];
        for (name, value) in extra {
            vars.retain(|(n, _)| n != name);
            vars.push((name, value));
        }
        move |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn lambda_config(
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<SdkConfig, crate::config::ConfigError> {
        lambda_sdk_config(env, https_client(), &Budget::of(BudgetKind::Read))
    }

    #[tokio::test]
    async fn a_lambda_configuration_comes_from_the_environment_lambda_sets() {
        use aws_credential_types::provider::ProvideCredentials;
        let sdk = lambda_config(lambda_env(&[])).unwrap();
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
        let credentials = sdk
            .credentials_provider()
            .unwrap()
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(credentials.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("token"));
        assert_eq!(credentials.expiry(), None);
        let budget = Budget::of(BudgetKind::Read);
        let timeouts = sdk.timeout_config().unwrap();
        assert_eq!(timeouts.connect_timeout(), Some(budget.connect));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(budget.attempt));
        assert_eq!(timeouts.operation_timeout(), Some(budget.operation));
        assert_eq!(
            sdk.retry_config().unwrap().max_attempts(),
            budget.max_attempts
        );
        assert!(sdk.sleep_impl().is_some() && sdk.time_source().is_some());
        assert!(sdk.http_client().is_some() && sdk.behavior_version().is_some());
        assert_eq!(sdk.endpoint_url(), None);
        assert_eq!((sdk.use_fips(), sdk.use_dual_stack()), (None, None));
    }

    #[test]
    fn a_lambda_configuration_takes_the_endpoint_and_endpoint_flags_when_set() {
        let sdk = lambda_config(lambda_env(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("AWS_USE_FIPS_ENDPOINT", "true"),
            ("AWS_USE_DUALSTACK_ENDPOINT", "FALSE"),
            ("AWS_REGION", ""),
            ("AWS_SESSION_TOKEN", ""),
        ]))
        .unwrap();
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert_eq!(
            (sdk.use_fips(), sdk.use_dual_stack()),
            (Some(true), Some(false))
        );
        // An empty AWS_REGION falls back to AWS_DEFAULT_REGION.
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
    }

    #[test]
    fn a_lambda_configuration_without_its_variables_fails_naming_the_first_missing() {
        use crate::config::ConfigError;
        let without = |names: &'static [&'static str]| {
            let env = lambda_env(&[]);
            move |name: &str| {
                if names.contains(&name) {
                    None
                } else {
                    env(name)
                }
            }
        };
        for (missing, named) in [
            (
                &["AWS_REGION", "AWS_DEFAULT_REGION"][..],
                "AWS_DEFAULT_REGION",
            ),
            (&["AWS_ACCESS_KEY_ID"][..], "AWS_ACCESS_KEY_ID"),
            (&["AWS_SECRET_ACCESS_KEY"][..], "AWS_SECRET_ACCESS_KEY"),
        ] {
            let err = lambda_config(without(missing)).unwrap_err();
            assert!(
                matches!(err, ConfigError::Missing(name) if name == named),
                "{missing:?}: {err}"
            );
        }
        // Without a session token (long-term keys, moto) the configuration still builds.
        let sdk = lambda_config(without(&["AWS_SESSION_TOKEN"]));
        assert!(sdk.is_ok());
        let err = lambda_config(lambda_env(&[("AWS_USE_FIPS_ENDPOINT", "yes")])).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    name: "AWS_USE_FIPS_ENDPOINT",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn only_lambda_with_credentials_in_its_environment_skips_the_default_chain() {
        let env = |vars: &'static [&'static str]| move |name: &str| vars.contains(&name);
        assert!(credentials_from_environment(env(&[
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_ACCESS_KEY_ID"
        ])));
        assert!(!credentials_from_environment(env(&[
            "AWS_LAMBDA_FUNCTION_NAME"
        ])));
        assert!(!credentials_from_environment(env(&["AWS_ACCESS_KEY_ID"])));
        assert!(!credentials_from_environment(env(&[])));
    }

    #[test]
    fn the_pinned_roots_are_amazons_from_mozillas_list() {
        use base64::Engine as _;
        let pem = std::str::from_utf8(AWS_ROOTS_PEM).unwrap();
        let ders: Vec<Vec<u8>> = pem
            .split("-----END CERTIFICATE-----")
            .filter(|b| !b.trim().is_empty())
            .map(|b| {
                let body = b
                    .trim()
                    .strip_prefix("-----BEGIN CERTIFICATE-----")
                    .unwrap();
                let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .unwrap()
            })
            .collect();
        let names = [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ];
        assert_eq!(ders.len(), names.len());
        for (der, name) in ders.iter().zip(names) {
            assert!(
                der.windows(name.len()).any(|w| w == name.as_bytes()),
                "the pinned roots are not in the order {names:?}: {name}"
            );
            assert!(
                webpki_root_certs::TLS_SERVER_ROOT_CERTS
                    .iter()
                    .any(|root| root.as_ref() == der.as_slice()),
                "{name} is not Mozilla's"
            );
        }
    }

    #[test]
    fn every_kind_parses_from_its_name_and_nothing_else_does() {
        for kind in BudgetKind::ALL {
            assert_eq!(kind.as_str().parse::<BudgetKind>(), Ok(kind));
        }
        let err = "reads".parse::<BudgetKind>().unwrap_err();
        assert!(err.contains("read, write, worker, sweep, tool"), "{err}");
    }

    #[test]
    fn every_budget_fits_its_attempts_inside_its_operation_timeout() {
        for kind in BudgetKind::ALL {
            let b = Budget::of(kind);
            assert!(b.connect <= b.attempt, "{kind}: connect within an attempt");
            assert!(b.attempt < b.operation, "{kind}: an attempt is shorter");
            assert!(b.initial_backoff <= b.max_backoff, "{kind}: backoff grows");
            assert!(b.max_attempts >= 1 && b.breaker_failures >= 1, "{kind}");
        }
        // API functions run with a 10 s Lambda timeout; their operations must fail (503) well
        // before the handler deadline.
        assert!(Budget::of(BudgetKind::Read).operation <= Duration::from_secs(1));
        assert!(Budget::of(BudgetKind::Write).operation <= Duration::from_secs(3));
    }

    fn service(status: u16, code: &str) -> SdkError<ErrorMetadata, HttpResponse> {
        let meta = ErrorMetadata::builder().code(code).message("test").build();
        let status = StatusCode::try_from(status).unwrap_or_else(|e| panic!("{e}"));
        SdkError::service_error(meta, HttpResponse::new(status, SdkBody::empty()))
    }

    fn kind(err: SdkError<ErrorMetadata, HttpResponse>) -> &'static str {
        match store_error("op", err) {
            StoreError::Throttled { .. } => "throttled",
            StoreError::Unavailable { .. } => "unavailable",
            StoreError::Backend { .. } => "backend",
            StoreError::Corrupt { .. } => "corrupt",
        }
    }

    #[test]
    fn throttling_timeouts_resets_5xx_and_an_open_breaker_are_503s_and_the_rest_is_not() {
        for code in [
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
        ] {
            assert_eq!(kind(service(400, code)), "throttled", "{code}");
        }
        assert_eq!(kind(service(503, "SlowDown")), "throttled", "S3 SlowDown");
        assert_eq!(kind(service(503, "ServiceUnavailable")), "unavailable");
        assert_eq!(kind(service(500, "InternalServerError")), "unavailable");
        assert_eq!(
            kind(SdkError::timeout_error("attempt timed out")),
            "unavailable"
        );
        let reset = ConnectorError::io("connection reset by peer".into());
        assert_eq!(kind(SdkError::dispatch_failure(reset)), "unavailable");
        let open = CircuitOpen {
            downstream: "dynamodb",
        };
        assert_eq!(kind(SdkError::construction_failure(open)), "unavailable");
        assert_eq!(kind(service(400, "ValidationException")), "backend");
        assert_eq!(kind(service(403, "AccessDeniedException")), "backend");
        assert_eq!(kind(SdkError::construction_failure("bad input")), "backend");
    }

    #[cfg(feature = "dynamodb")]
    #[tokio::test]
    async fn clients_carry_the_budget_timeouts_and_retries() {
        let budget = Budget::of(BudgetKind::Read);
        let aws = Aws::local(budget, "http://127.0.0.1:9").await;
        let client = aws.dynamodb();
        let timeouts = client
            .config()
            .timeout_config()
            .cloned()
            .unwrap_or_else(|| panic!("no timeout config"));
        assert_eq!(timeouts.operation_timeout(), Some(budget.operation));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(budget.attempt));
        assert_eq!(timeouts.connect_timeout(), Some(budget.connect));
        let retries = client
            .config()
            .retry_config()
            .cloned()
            .unwrap_or_else(|| panic!("no retry config"));
        assert_eq!(retries.max_attempts(), budget.max_attempts);
        assert_eq!(retries.initial_backoff(), budget.initial_backoff);
    }

    /// A certificate authority made for one test (trusted nowhere else; its key lives only in
    /// the test's memory) and a `localhost` server certificate it issued.
    #[cfg(feature = "dynamodb")]
    struct TestPki {
        /// The CA's certificate, PEM.
        ca_pem: String,
        /// The server's certificate, DER.
        leaf: rustls::pki_types::CertificateDer<'static>,
        /// The server's private key, PKCS #8 DER.
        leaf_key: rustls::pki_types::PrivateKeyDer<'static>,
    }

    #[cfg(feature = "dynamodb")]
    fn test_pki() -> TestPki {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::default();
        ca.distinguished_name.push(
            DnType::CommonName,
            "CraftBean test CA (not trusted anywhere)",
        );
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).unwrap();

        let leaf_key = KeyPair::generate().unwrap();
        let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_cert = leaf.signed_by(&leaf_key, &Issuer::new(ca, ca_key)).unwrap();
        TestPki {
            ca_pem: ca_cert.pem(),
            leaf: leaf_cert.der().clone(),
            leaf_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        }
    }

    /// A TLS server on loopback for `localhost` presenting `pki`'s server certificate,
    /// answering every request with an empty DynamoDB `ListTables` result. Returns its port.
    #[cfg(feature = "dynamodb")]
    async fn tls_server_for_localhost(pki: &TestPki) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let chain = vec![pki.leaf.clone()];
        let key = pki.leaf_key.clone_key();
        let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake here.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    // The SDK's JSON request is small: headers and body arrive before it waits.
                    while let Ok(n) = tls.read(&mut buf).await {
                        if n == 0 {
                            return;
                        }
                        request.extend_from_slice(&buf[..n]);
                        let text = String::from_utf8_lossy(&request);
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length = text[..end]
                                .lines()
                                .find_map(|l| {
                                    let (name, value) = l.split_once(':')?;
                                    name.eq_ignore_ascii_case("content-length")
                                        .then(|| value.trim().parse::<usize>().ok())?
                                })
                                .unwrap_or(0);
                            if request.len() >= end + 4 + length {
                                break;
                            }
                        }
                    }
                    let body = r#"{"TableNames":[]}"#;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(response.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        port
    }

    /// A DynamoDB client over `client` against `endpoint`, one attempt per operation.
    #[cfg(feature = "dynamodb")]
    async fn dynamodb_over(
        client: aws_smithy_runtime_api::client::http::SharedHttpClient,
        endpoint: &str,
    ) -> aws_sdk_dynamodb::Client {
        let budget = Budget {
            max_attempts: 1,
            ..Budget::of(BudgetKind::Tool)
        };
        Aws::local_over(client, budget, endpoint).dynamodb()
    }

    #[cfg(feature = "dynamodb")]
    #[tokio::test]
    async fn the_https_client_verifies_certificates_against_the_roots_it_is_given() {
        let pki = test_pki();
        let port = tls_server_for_localhost(&pki).await;
        let endpoint = format!("https://localhost:{port}");

        // Trusting the test CA, the handshake and the call succeed: TLS works with this
        // crypto provider and the certificate chain is checked against the given roots.
        let trusting = dynamodb_over(https_client_trusting(pki.ca_pem.clone()), &endpoint).await;
        let tables = trusting.list_tables().send().await.unwrap();
        assert_eq!(tables.table_names(), &[] as &[String]);

        // The shipped client trusts only Amazon's roots: the same server is refused.
        let shipped = dynamodb_over(https_client(), &endpoint).await;
        let err = shipped.list_tables().send().await.unwrap_err();
        assert!(
            matches!(err, SdkError::DispatchFailure(_)),
            "expected a connection failure, got {err:?}"
        );
        let chain = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
        assert!(
            chain.contains("UnknownIssuer"),
            "not refused for its issuer: {chain}"
        );
    }

    #[test]
    fn an_operation_cut_off_before_it_reports_counts_as_a_failure() {
        let budget = Budget {
            breaker_failures: 2,
            ..Budget::of(BudgetKind::Read)
        };
        let breaker = Breaker::new("test", &budget);
        for _ in 0..2 {
            drop(InFlight {
                breaker: breaker.clone(),
                settled: std::sync::atomic::AtomicBool::new(false),
            });
        }
        assert!(!breaker.permits(), "two unreported operations open it");
        let settled = Breaker::new("test", &budget);
        for _ in 0..2 {
            drop(InFlight {
                breaker: settled.clone(),
                settled: std::sync::atomic::AtomicBool::new(true),
            });
        }
        assert!(
            settled.permits(),
            "reported operations are counted where they report"
        );
    }

    #[test]
    fn the_breaker_opens_after_consecutive_failures_and_closes_after_a_probe() {
        let budget = Budget {
            breaker_failures: 3,
            breaker_open: Duration::from_millis(50),
            ..Budget::of(BudgetKind::Read)
        };
        let breaker = Breaker::new("test", &budget);
        breaker.record(true);
        breaker.record(false);
        breaker.record(true);
        breaker.record(true);
        assert!(breaker.permits(), "a success in between resets the count");
        breaker.record(true);
        assert!(!breaker.permits(), "three in a row open it");
        std::thread::sleep(Duration::from_millis(80));
        assert!(breaker.permits(), "after the open period one call probes");
        breaker.record(false);
        assert!(breaker.permits(), "a successful probe closes it");
    }
}
