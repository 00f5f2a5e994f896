//! The rating summary shown on every café: count, average and a 1–5 histogram.

use serde::{Deserialize, Serialize};

/// Aggregate of a café's current reviews. Count and histogram are zero and `average` is
/// `None` (JSON `null`) until reviews exist.
///
/// Decoding derives count and average from the histogram, so documents stored with
/// `"average": 0.0` and no reviews read back as `null`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "StoredSummary")]
pub struct RatingSummary {
    /// Number of reviews.
    pub count: u32,
    /// Mean rating rounded to two decimals; `None` when there are no reviews (an average of
    /// nothing is not zero stars).
    pub average: Option<f64>,
    /// `histogram[0]` counts 1-star reviews … `histogram[4]` counts 5-star reviews.
    pub histogram: [u32; 5],
}

impl RatingSummary {
    /// Builds the summary from a histogram, deriving count and average so they always agree.
    pub fn from_histogram(histogram: [u32; 5]) -> Self {
        let count: u32 = histogram.iter().sum();
        let total: u64 = histogram
            .iter()
            .zip(1u64..)
            .map(|(n, stars)| u64::from(*n) * stars)
            .sum();
        let average =
            (count > 0).then(|| ((total as f64 / f64::from(count)) * 100.0).round() / 100.0);
        Self {
            count,
            average,
            histogram,
        }
    }

    /// The average for sorting and filtering: 0 when there are no reviews.
    pub fn average_or_zero(&self) -> f64 {
        self.average.unwrap_or(0.0)
    }
}

/// The stored shape: only the histogram is trusted.
#[derive(Deserialize)]
struct StoredSummary {
    #[serde(default)]
    histogram: [u32; 5],
}

impl From<StoredSummary> for RatingSummary {
    fn from(stored: StoredSummary) -> Self {
        Self::from_histogram(stored.histogram)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_histogram_is_all_zero() {
        assert_eq!(
            RatingSummary::from_histogram([0; 5]),
            RatingSummary::default()
        );
    }

    #[test]
    fn average_is_derived_from_histogram() {
        let s = RatingSummary::from_histogram([1, 0, 0, 0, 2]);
        assert_eq!(s.count, 3);
        assert_eq!(s.average, Some(3.67));
    }

    #[test]
    fn no_reviews_means_a_null_average_on_the_wire() {
        let json = serde_json::to_value(RatingSummary::from_histogram([0; 5])).ok();
        assert_eq!(
            json,
            Some(serde_json::json!({"count": 0, "average": null, "histogram": [0, 0, 0, 0, 0]}))
        );
        // Documents stored before: `average: 0.0` with no reviews reads back as `null`.
        let stored: Result<RatingSummary, _> =
            serde_json::from_str(r#"{"count":0,"average":0.0,"histogram":[0,0,0,0,0]}"#);
        assert_eq!(stored.ok().and_then(|s| s.average), None);
    }
}
