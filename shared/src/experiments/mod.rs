//! Feature flags and experiments (docs/experiments.md).
//!
//! - [`bucket`]: units (a person's public id, or a device id for anonymous callers) and sticky
//!   bucketing, `SHA-256(salt ‖ "." ‖ unit id) mod 10,000`.
//! - [`flags`]: the AppConfig feature-flags document, typed flags, targeting rules and
//!   [`Experiment::assign`].
//! - [`source`]: where the document comes from: the AppConfig agent (Lambda extension) over HTTP
//!   with a bounded wait and the last known value, or a file the local server re-reads on change.
//! - [`events`]: exposure and outcome events, stored once per unit and experiment and logged in
//!   CloudWatch's embedded metric format.
//! - [`nearby`]: the nearby-ranking experiment (its variants and the treatment's ranking).
//! - [`running`]: every experiment the code implements, and a unit's variant in each.

pub mod bucket;
pub mod events;
pub mod flags;
pub mod nearby;
pub mod running;
pub mod source;

pub use bucket::{BUCKETS, DEVICE_ID_HEADER, DeviceId, InvalidDeviceId, Unit, UnitKind, bucket};
pub use flags::{
    Assignment, Context, Experiment, ExperimentSpec, FlagError, FlagSet, Platform, SpecError,
    Variant,
};
pub use source::FlagSource;
