//! The flag document and its evaluation. The document is AWS AppConfig's feature-flags format,
//! in either of its two shapes: the one deployed (`{"version": "1", "flags": {…}, "values":
//! {…}}`, also the local file) and the one the AppConfig agent serves (`{"<flag>": {"enabled":
//! …, <attributes>}}`). Flags are plain AppConfig flags with attributes; experiments are flags
//! whose attributes name a salt, variants and weights, and CraftBean buckets units itself
//! (`bucket`), so assignments are identical whatever serves the document.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::bucket::{BUCKETS, Unit, UnitKind, bucket};

/// Why a flag document was refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum FlagError {
    #[error("the flag document is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the flag document is not a JSON object of flags")]
    Shape,
}

/// Every flag's value object (`enabled` plus its attributes), by flag key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlagSet {
    values: BTreeMap<String, Map<String, Value>>,
}

impl FlagSet {
    /// An empty set: every flag reads as its default.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses either shape of an AppConfig feature-flags document.
    pub fn parse(json: &[u8]) -> Result<Self, FlagError> {
        let Value::Object(mut top) = serde_json::from_slice::<Value>(json)? else {
            return Err(FlagError::Shape);
        };
        let deployed = top.get("version").is_some_and(Value::is_string)
            && top.get("flags").is_some_and(Value::is_object)
            && top.get("values").is_some_and(Value::is_object);
        let values = if deployed {
            match top.remove("values") {
                Some(Value::Object(values)) => values,
                _ => return Err(FlagError::Shape),
            }
        } else {
            top
        };
        let mut out = BTreeMap::new();
        for (key, value) in values {
            let Value::Object(value) = value else {
                return Err(FlagError::Shape);
            };
            out.insert(key, value);
        }
        Ok(Self { values: out })
    }

    /// Whether flag `key` is on; `default` when the document does not hold it.
    pub fn enabled(&self, key: &str, default: bool) -> bool {
        self.values
            .get(key)
            .and_then(|v| v.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(default)
    }

    /// Flag `key`'s value object decoded as `T`; `None` when absent or malformed (logged).
    pub fn typed<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let value = self.values.get(key)?;
        match serde_json::from_value(Value::Object(value.clone())) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(flag = key, error = %e, "malformed flag value; using the default");
                None
            }
        }
    }

    /// Flag keys in the document.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

/// The client platform a request comes from, for targeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Ios,
    Android,
    Web,
}

impl Platform {
    /// `ios`, `android` or `web`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "ios" => Some(Self::Ios),
            "android" => Some(Self::Android),
            "web" => Some(Self::Web),
            _ => None,
        }
    }
}

/// Who is asking, as far as targeting goes.
#[derive(Clone, Debug)]
pub struct Context {
    pub unit: Unit,
    /// City slug the request is about (e.g. the city of the nearest café), if known.
    pub city: Option<String>,
    pub platform: Option<Platform>,
    /// Other attributes of the user (e.g. `homeCity`), compared as strings.
    pub attributes: BTreeMap<String, String>,
}

impl Context {
    /// A context with only a unit.
    pub fn for_unit(unit: Unit) -> Self {
        Self {
            unit,
            city: None,
            platform: None,
            attributes: BTreeMap::new(),
        }
    }
}

/// An experiment's flag value (attributes of an AppConfig flag). Weights are in buckets of
/// 10,000 and may sum to less: units in the remaining buckets are not enrolled (they get the
/// control experience and no exposure), which is how an experiment ramps up.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentSpec {
    pub enabled: bool,
    pub salt: String,
    pub variants: Vec<String>,
    pub weights: Vec<u32>,
    /// Unit kinds enrolled; empty: any.
    #[serde(default)]
    pub unit_kinds: Vec<UnitKind>,
    /// City slugs enrolled; empty: any (a request with no city is enrolled only when empty).
    #[serde(default)]
    pub cities: Vec<String>,
    /// Platforms enrolled; empty: any.
    #[serde(default)]
    pub platforms: Vec<Platform>,
    /// `name=value` conditions on user attributes, all of which must hold.
    #[serde(default)]
    pub user_attributes: Vec<String>,
}

/// Why an experiment's flag value cannot be used (the experiment then enrols nobody).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    #[error("salt is empty")]
    EmptySalt,
    #[error("variants and weights differ in length or are empty")]
    Arity,
    #[error("weights sum to {0}, more than 10000")]
    Overweight(u64),
    #[error("variant {0:?} is not one this code knows")]
    UnknownVariant(String),
    #[error("user attribute condition {0:?} is not name=value")]
    Condition(String),
}

impl ExperimentSpec {
    /// Checks the spec against the variants the code knows.
    pub fn validate(&self, known: &[&str]) -> Result<(), SpecError> {
        if self.salt.is_empty() {
            return Err(SpecError::EmptySalt);
        }
        if self.variants.is_empty() || self.variants.len() != self.weights.len() {
            return Err(SpecError::Arity);
        }
        let total: u64 = self.weights.iter().map(|w| u64::from(*w)).sum();
        if total > u64::from(BUCKETS) {
            return Err(SpecError::Overweight(total));
        }
        if let Some(v) = self.variants.iter().find(|v| !known.contains(&v.as_str())) {
            return Err(SpecError::UnknownVariant(v.clone()));
        }
        if let Some(c) = self.user_attributes.iter().find(|c| !c.contains('=')) {
            return Err(SpecError::Condition(c.clone()));
        }
        Ok(())
    }

    /// Whether the context passes every targeting rule.
    pub fn targets(&self, ctx: &Context) -> bool {
        let kind_ok = self.unit_kinds.is_empty() || self.unit_kinds.contains(&ctx.unit.kind());
        let city_ok = self.cities.is_empty()
            || ctx
                .city
                .as_ref()
                .is_some_and(|c| self.cities.iter().any(|x| x == c));
        let platform_ok =
            self.platforms.is_empty() || ctx.platform.is_some_and(|p| self.platforms.contains(&p));
        let attrs_ok = self.user_attributes.iter().all(|cond| {
            cond.split_once('=')
                .is_some_and(|(k, v)| ctx.attributes.get(k).is_some_and(|have| have == v))
        });
        kind_ok && city_ok && platform_ok && attrs_ok
    }

    /// The variant for `bucket`, if the bucket is inside the weights.
    pub fn variant_for(&self, bucket: u32) -> Option<&str> {
        let mut upper = 0u32;
        for (variant, weight) in self.variants.iter().zip(&self.weights) {
            upper = upper.saturating_add(*weight);
            if bucket < upper {
                return Some(variant);
            }
        }
        None
    }
}

/// A variant type the code implements; its names are the document's variant names.
pub trait Variant: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// Every variant, the control first.
    const ALL: &'static [Self];
    /// The name in the flag document, events and responses.
    fn name(self) -> &'static str;
    /// The experience for units that are not enrolled.
    fn control() -> Self {
        Self::ALL[0]
    }
    /// The variant called `name`.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

/// A typed experiment: its flag key and its variant type.
pub struct Experiment<V> {
    pub key: &'static str,
    variant: PhantomData<V>,
}

impl<V> Clone for Experiment<V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<V> Copy for Experiment<V> {}

/// A unit's place in an experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assignment<V> {
    pub variant: V,
    /// `0..10_000`.
    pub bucket: u32,
}

impl<V: Variant> Experiment<V> {
    pub const fn new(key: &'static str) -> Self {
        Self {
            key,
            variant: PhantomData,
        }
    }

    /// The unit's assignment, or `None` (control experience, no exposure) when the flag is
    /// absent, off or invalid, the context is not targeted, or the bucket is outside the weights.
    pub fn assign(&self, flags: &FlagSet, ctx: &Context) -> Option<Assignment<V>> {
        let spec: ExperimentSpec = flags.typed(self.key)?;
        if !spec.enabled {
            return None;
        }
        let names: Vec<&str> = V::ALL.iter().map(|v| v.name()).collect();
        if let Err(e) = spec.validate(&names) {
            tracing::warn!(experiment = self.key, error = %e, "invalid experiment flag; nobody enrolled");
            return None;
        }
        if !spec.targets(ctx) {
            return None;
        }
        let bucket = bucket(&spec.salt, &ctx.unit.id());
        let variant = V::from_name(spec.variant_for(bucket)?)?;
        Some(Assignment { variant, bucket })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::bucket::DeviceId;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Colour {
        Grey,
        Blue,
        Green,
    }

    impl Variant for Colour {
        const ALL: &'static [Self] = &[Self::Grey, Self::Blue, Self::Green];
        fn name(self) -> &'static str {
            match self {
                Self::Grey => "grey",
                Self::Blue => "blue",
                Self::Green => "green",
            }
        }
    }

    const BUTTON: Experiment<Colour> = Experiment::new("button-colour");

    fn device(n: u32) -> Unit {
        Unit::Device(DeviceId::parse(&format!("device-{n:012}")).unwrap())
    }

    fn doc(values: &str) -> FlagSet {
        FlagSet::parse(
            format!(r#"{{"version":"1","flags":{{"button-colour":{{"name":"Button colour"}}}},"values":{{"button-colour":{values}}}}}"#)
                .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn both_appconfig_shapes_parse_to_the_same_flags() {
        let deployed = br#"{"version":"1","flags":{"dark":{"name":"Dark"}},"values":{"dark":{"enabled":true,"shade":3}}}"#;
        let served = br#"{"dark":{"enabled":true,"shade":3}}"#;
        assert_eq!(
            FlagSet::parse(deployed).unwrap(),
            FlagSet::parse(served).unwrap()
        );
        assert!(FlagSet::parse(served).unwrap().enabled("dark", false));
        assert!(!FlagSet::parse(served).unwrap().enabled("missing", false));
        assert!(FlagSet::parse(served).unwrap().enabled("missing", true));
    }

    #[test]
    fn malformed_documents_are_refused() {
        for bad in [&b"[]"[..], b"not json", br#"{"dark": true}"#, b"3"] {
            assert!(
                FlagSet::parse(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn weights_split_units_in_proportion() {
        let flags = doc(
            r#"{"enabled":true,"salt":"s1","variants":["grey","blue","green"],"weights":[5000,3000,2000]}"#,
        );
        let mut counts = [0u32; 3];
        for n in 0..20_000 {
            let a = BUTTON
                .assign(&flags, &Context::for_unit(device(n)))
                .unwrap();
            counts[Colour::ALL.iter().position(|c| *c == a.variant).unwrap()] += 1;
        }
        let shares: Vec<f64> = counts.iter().map(|c| f64::from(*c) / 20_000.0).collect();
        for (share, want) in shares.iter().zip([0.5, 0.3, 0.2]) {
            assert!((share - want).abs() < 0.015, "{shares:?}");
        }
    }

    #[test]
    fn weights_below_10000_enrol_only_that_share() {
        let flags =
            doc(r#"{"enabled":true,"salt":"ramp","variants":["grey","blue"],"weights":[500,500]}"#);
        let enrolled = (0..20_000)
            .filter(|n| {
                BUTTON
                    .assign(&flags, &Context::for_unit(device(*n)))
                    .is_some()
            })
            .count();
        let share = enrolled as f64 / 20_000.0;
        assert!((share - 0.10).abs() < 0.01, "{share}");
    }

    #[test]
    fn a_ramp_up_keeps_enrolled_units_in_their_variant() {
        // Growing the last variant's weight only adds buckets above those already enrolled, so
        // nobody enrolled changes variant.
        let small =
            doc(r#"{"enabled":true,"salt":"r","variants":["grey","blue"],"weights":[5000,1000]}"#);
        let large =
            doc(r#"{"enabled":true,"salt":"r","variants":["grey","blue"],"weights":[5000,5000]}"#);
        for n in 0..5_000 {
            let ctx = Context::for_unit(device(n));
            if let Some(a) = BUTTON.assign(&small, &ctx) {
                assert_eq!(BUTTON.assign(&large, &ctx), Some(a));
            }
        }
    }

    #[test]
    fn disabled_absent_and_invalid_flags_enrol_nobody() {
        let ctx = Context::for_unit(device(1));
        let cases = [
            r#"{"enabled":false,"salt":"s","variants":["grey","blue"],"weights":[5000,5000]}"#,
            r#"{"enabled":true,"salt":"","variants":["grey","blue"],"weights":[5000,5000]}"#,
            r#"{"enabled":true,"salt":"s","variants":["grey","blue"],"weights":[5000]}"#,
            r#"{"enabled":true,"salt":"s","variants":["grey","blue"],"weights":[6000,6000]}"#,
            r#"{"enabled":true,"salt":"s","variants":["grey","purple"],"weights":[5000,5000]}"#,
            r#"{"enabled":true,"salt":"s","variants":["grey","blue"],"weights":[5000,5000],"userAttributes":["nope"]}"#,
            r#"{"enabled":true,"variants":["grey","blue"],"weights":[5000,5000]}"#,
        ];
        for case in cases {
            assert_eq!(BUTTON.assign(&doc(case), &ctx), None, "{case}");
        }
        assert_eq!(BUTTON.assign(&FlagSet::empty(), &ctx), None);
    }

    #[test]
    fn targeting_rules_restrict_enrolment() {
        let flags = doc(
            r#"{"enabled":true,"salt":"t","variants":["grey","blue"],"weights":[5000,5000],
                "unitKinds":["device"],"cities":["lisbon","porto"],"platforms":["ios","web"],
                "userAttributes":["homeCity=lisbon"]}"#,
        );
        let mut ctx = Context::for_unit(device(7));
        ctx.city = Some("lisbon".into());
        ctx.platform = Some(Platform::Ios);
        ctx.attributes.insert("homeCity".into(), "lisbon".into());
        assert!(BUTTON.assign(&flags, &ctx).is_some());

        let mut other_city = ctx.clone();
        other_city.city = Some("berlin".into());
        let mut no_city = ctx.clone();
        no_city.city = None;
        let mut android = ctx.clone();
        android.platform = Some(Platform::Android);
        let mut attr = ctx.clone();
        attr.attributes.insert("homeCity".into(), "porto".into());
        let mut user = ctx.clone();
        user.unit = Unit::User(crate::domain::PublicUserId::parse("usr_0000000000000001").unwrap());
        for (name, c) in [
            ("city", other_city),
            ("no city", no_city),
            ("platform", android),
            ("attribute", attr),
            ("unit kind", user),
        ] {
            assert_eq!(BUTTON.assign(&flags, &c), None, "{name}");
        }
    }

    #[test]
    fn the_assignment_depends_only_on_salt_and_unit() {
        let a = doc(
            r#"{"enabled":true,"salt":"same","variants":["grey","blue"],"weights":[5000,5000]}"#,
        );
        let b = doc(
            r#"{"enabled":true,"salt":"same","variants":["grey","blue"],"weights":[5000,5000],"platforms":[]}"#,
        );
        for n in 0..1_000 {
            let ctx = Context::for_unit(device(n));
            assert_eq!(BUTTON.assign(&a, &ctx), BUTTON.assign(&b, &ctx));
            let got = BUTTON.assign(&a, &ctx).unwrap();
            assert_eq!(got.bucket, bucket("same", &ctx.unit.id()));
        }
    }
}
