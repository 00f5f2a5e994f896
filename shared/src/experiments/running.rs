//! Every experiment the code implements, so one call can tell a unit its variant in each
//! (`GET /me/experiments`). Adding an experiment means adding it to [`KNOWN`].

use std::collections::BTreeMap;

use super::flags::{Context, Experiment, FlagSet, Variant};
use super::nearby::NEARBY_RANKING;

/// One implemented experiment: its flag key and how a context is assigned a variant name.
#[derive(Clone, Copy)]
pub struct Known {
    pub key: &'static str,
    assign: fn(&FlagSet, &Context) -> Option<&'static str>,
}

impl Known {
    /// The variant name `ctx` is assigned, `None` when not enrolled (see [`Experiment::assign`]).
    pub fn assign(&self, flags: &FlagSet, ctx: &Context) -> Option<&'static str> {
        (self.assign)(flags, ctx)
    }
}

fn nearby(flags: &FlagSet, ctx: &Context) -> Option<&'static str> {
    variant_name(NEARBY_RANKING, flags, ctx)
}

fn variant_name<V: Variant>(
    experiment: Experiment<V>,
    flags: &FlagSet,
    ctx: &Context,
) -> Option<&'static str> {
    experiment.assign(flags, ctx).map(|a| a.variant.name())
}

/// The experiments the code implements.
pub const KNOWN: &[Known] = &[Known {
    key: NEARBY_RANKING.key,
    assign: nearby,
}];

/// The unit's variant in every running experiment it is enrolled in, by experiment key
/// (experiments that are off, do not target it, or leave its bucket out are absent).
pub fn assignments(flags: &FlagSet, ctx: &Context) -> BTreeMap<&'static str, &'static str> {
    KNOWN
        .iter()
        .filter_map(|k| k.assign(flags, ctx).map(|v| (k.key, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::nearby::Ranking;
    use crate::experiments::{DeviceId, Unit};

    fn flags(enabled: bool, kinds: &str) -> FlagSet {
        FlagSet::parse(
            format!(
                r#"{{"nearby-ranking": {{"enabled": {enabled}, "salt": "s1",
                "variants": ["distance", "blended"], "weights": [5000, 5000],
                "unitKinds": [{kinds}]}}}}"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn a_unit_gets_the_variant_the_typed_experiment_gives_it() {
        let flags = flags(true, r#""device""#);
        let mut seen = std::collections::BTreeSet::new();
        for n in 0..200 {
            let ctx = Context::for_unit(Unit::Device(
                DeviceId::parse(&format!("running-test-{n:08}")).unwrap(),
            ));
            let want = NEARBY_RANKING.assign(&flags, &ctx).unwrap().variant;
            let got = assignments(&flags, &ctx);
            assert_eq!(got.len(), 1);
            assert_eq!(got["nearby-ranking"], want.name());
            seen.insert(got["nearby-ranking"]);
        }
        assert_eq!(seen.len(), Ranking::ALL.len(), "both variants occur");
    }

    #[test]
    fn off_or_untargeted_experiments_are_absent() {
        let ctx = Context::for_unit(Unit::Device(
            DeviceId::parse("running-test-00000001").unwrap(),
        ));
        assert!(assignments(&flags(false, r#""device""#), &ctx).is_empty());
        assert!(assignments(&flags(true, r#""user""#), &ctx).is_empty());
        assert!(assignments(&FlagSet::empty(), &ctx).is_empty());
    }
}
