//! What a café's list and term entries carry: the list summary the API serves, plus the opening
//! hours in compact form (not part of the API's summary). `openNow` on `GET /cafes` is judged
//! on the entries a list or search reads anyway, so it costs no second read; the hours add
//! about 100 bytes to an entry (a week of periods), against a few kilobytes per café for a
//! batch read of profiles.

use serde::{Deserialize, Serialize};

use super::keys;
use crate::domain::{CafeSummary, LocalTime, OpeningHours, OpeningPeriod, TimeZoneName, Weekday};
use crate::query::CafeFilter;

/// Opening hours as `[zone, [[day, opens, closes], …]]` with Monday = 0 and minutes since
/// midnight: a third of the size of the API's form.
#[derive(Serialize, Deserialize)]
pub(super) struct CompactHours(String, Vec<(u8, u16, u16)>);

impl CompactHours {
    pub(super) fn of(hours: &OpeningHours) -> Self {
        Self(
            hours.time_zone.as_str().to_owned(),
            hours
                .periods
                .iter()
                .map(|p| {
                    let day = Weekday::ALL.iter().position(|d| *d == p.day).unwrap_or(0) as u8;
                    (day, p.opens.minutes(), p.closes.minutes())
                })
                .collect(),
        )
    }

    /// The hours, or `None` when the document holds an unknown zone, day or time.
    pub(super) fn hours(&self) -> Option<OpeningHours> {
        let time = |m: u16| LocalTime::hm(m / 60, m % 60).ok();
        Some(OpeningHours {
            time_zone: TimeZoneName::parse(&self.0).ok()?,
            periods: self
                .1
                .iter()
                .map(|&(day, opens, closes)| {
                    Some(OpeningPeriod {
                        day: *Weekday::ALL.get(usize::from(day))?,
                        opens: time(opens)?,
                        closes: time(closes)?,
                    })
                })
                .collect::<Option<_>>()?,
        })
    }
}

/// A café list or term entry's document, as written: the summary's fields plus `h`.
#[derive(Serialize)]
pub(super) struct CafeEntryDoc<'a> {
    #[serde(flatten)]
    pub summary: &'a CafeSummary,
    pub h: CompactHours,
}

/// A café list or term entry's document, as read.
#[derive(Deserialize)]
pub(super) struct CafeEntry {
    #[serde(flatten)]
    pub summary: CafeSummary,
    /// Absent from entries written before the hours were added (until `xtask reindex`
    /// rewrites them): such a café is never open for `openNow`.
    #[serde(default)]
    h: Option<CompactHours>,
}

impl CafeEntry {
    /// Whether the café passes every condition of `filter`, `openNow` included.
    pub fn matches(&self, filter: &CafeFilter) -> bool {
        keys::cafe_matches(filter, &self.summary) && self.open_for(filter)
    }

    /// Whether the café passes `filter`'s opening-time condition (true when it has none).
    pub fn open_for(&self, filter: &CafeFilter) -> bool {
        let Some(at) = filter.open_at else {
            return true;
        };
        match self.h.as_ref().and_then(CompactHours::hours) {
            Some(hours) => hours.is_open_at(at),
            None => {
                tracing::warn!(
                    cafe_id = %self.summary.id,
                    "café list entry without valid opening hours; run xtask reindex"
                );
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_hours_round_trip() {
        let hours = OpeningHours {
            time_zone: TimeZoneName::parse("America/Sao_Paulo").expect("zone"),
            periods: Weekday::ALL
                .into_iter()
                .map(|day| OpeningPeriod {
                    day,
                    opens: LocalTime::hm(18, 0).expect("time"),
                    closes: LocalTime::hm(2, 30).expect("time"),
                })
                .collect(),
        };
        let json = serde_json::to_string(&CompactHours::of(&hours)).expect("encode");
        assert!(json.len() < 150, "{json}");
        let back: CompactHours = serde_json::from_str(&json).expect("decode");
        assert_eq!(back.hours(), Some(hours));
        let bad: CompactHours =
            serde_json::from_str(r#"["Mars/Base",[[0,60,120]]]"#).expect("decode");
        assert_eq!(bad.hours(), None);
        let bad: CompactHours = serde_json::from_str(r#"["UTC",[[7,60,120]]]"#).expect("decode");
        assert_eq!(bad.hours(), None);
    }
}
