//! The rating summary shown on every café: count, average and a 1–5 histogram.

use serde::{Deserialize, Serialize};

/// Aggregate of a café's current reviews. All zero until reviews exist.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingSummary {
    /// Number of reviews.
    pub count: u32,
    /// Mean rating rounded to two decimals; 0 when there are no reviews.
    pub average: f64,
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
        let average = if count == 0 {
            0.0
        } else {
            ((total as f64 / f64::from(count)) * 100.0).round() / 100.0
        };
        Self {
            count,
            average,
            histogram,
        }
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
        assert_eq!(s.average, 3.67);
    }
}
