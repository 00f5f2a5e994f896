//! Rate–distortion arithmetic: sharp's bytes at the score one of our renditions reached,
//! interpolated on sharp's quality sweep, and the summed ratio of our bytes to those.

/// One rendition of sharp's sweep: its quality setting, size in bytes and score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub quality: u8,
    pub bytes: f64,
    pub score: f64,
}

/// sharp's bytes at a given score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Equal {
    /// Interpolated between two sweep points; `quality` is the interpolated setting.
    Within { bytes: f64, quality: f64 },
    /// The score is above every sweep point: sharp's largest rendition is given (a lower
    /// bound on what sharp needs, so the ratio can only flatter sharp).
    Above { bytes: f64 },
    /// The score is below every sweep point: sharp's smallest rendition is given (an upper
    /// bound, which would flatter us; the sweep must be extended down when this shows).
    Below { bytes: f64 },
}

impl Equal {
    pub fn bytes(self) -> f64 {
        match self {
            Self::Within { bytes, .. } | Self::Above { bytes } | Self::Below { bytes } => bytes,
        }
    }
}

/// sharp's bytes at `score`, by linear interpolation (in score) between consecutive points of
/// `curve` taken in quality order. Scores need not rise strictly with quality; the first
/// segment, from the lowest quality, that reaches the score is used, which gives sharp its
/// smallest file at that score. `None` for an empty curve.
pub fn bytes_at_score(curve: &[Point], score: f64) -> Option<Equal> {
    let mut points = curve.to_vec();
    points.sort_by_key(|p| p.quality);
    let lowest = points.iter().min_by(|a, b| a.score.total_cmp(&b.score))?;
    let highest = points.iter().max_by(|a, b| a.score.total_cmp(&b.score))?;
    if score > highest.score {
        return Some(Equal::Above {
            bytes: highest.bytes,
        });
    }
    if score < lowest.score {
        return Some(Equal::Below {
            bytes: lowest.bytes,
        });
    }
    if let [only] = points.as_slice() {
        return Some(Equal::Within {
            bytes: only.bytes,
            quality: f64::from(only.quality),
        });
    }
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (lo, hi) = if a.score <= b.score {
            (a.score, b.score)
        } else {
            (b.score, a.score)
        };
        if score < lo || score > hi {
            continue;
        }
        let t = if hi > lo {
            (score - a.score) / (b.score - a.score)
        } else {
            0.0
        };
        return Some(Equal::Within {
            bytes: a.bytes + t * (b.bytes - a.bytes),
            quality: f64::from(a.quality) + t * (f64::from(b.quality) - f64::from(a.quality)),
        });
    }
    // Unreachable for a score within [lowest, highest]: consecutive segments cover that range.
    None
}

/// sharp's fewest bytes at `score` over several of its settings (one curve each, e.g. 4:2:0
/// and 4:4:4 JPEG): the smallest interpolated size among the curves that reach the score;
/// when none does, the smallest top-of-curve size if the score is above them all (still
/// flattering sharp), else [`Equal::Below`]. `None` when every curve is empty.
pub fn best_bytes_at_score(curves: &[Vec<Point>], score: f64) -> Option<Equal> {
    let found: Vec<Equal> = curves
        .iter()
        .filter_map(|c| bytes_at_score(c, score))
        .collect();
    let smallest = |keep: fn(&Equal) -> bool| {
        found
            .iter()
            .copied()
            .filter(keep)
            .min_by(|a, b| a.bytes().total_cmp(&b.bytes()))
    };
    smallest(|e| matches!(e, Equal::Within { .. }))
        .or_else(|| smallest(|e| matches!(e, Equal::Above { .. })))
        .or_else(|| smallest(|e| matches!(e, Equal::Below { .. })))
}

/// Σ ours ÷ Σ sharp's bytes at equal score, over `(ours, sharp's)` pairs.
pub fn summed_ratio(pairs: &[(f64, f64)]) -> f64 {
    let ours: f64 = pairs.iter().map(|p| p.0).sum();
    let theirs: f64 = pairs.iter().map(|p| p.1).sum();
    ours / theirs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve() -> Vec<Point> {
        vec![
            Point {
                quality: 90,
                bytes: 4000.0,
                score: 80.0,
            },
            Point {
                quality: 50,
                bytes: 1000.0,
                score: 60.0,
            },
            Point {
                quality: 70,
                bytes: 2000.0,
                score: 70.0,
            },
        ]
    }

    #[test]
    fn interpolates_linearly_in_score_between_neighbouring_qualities() {
        assert_eq!(
            bytes_at_score(&curve(), 65.0),
            Some(Equal::Within {
                bytes: 1500.0,
                quality: 60.0
            })
        );
        assert_eq!(
            bytes_at_score(&curve(), 77.5),
            Some(Equal::Within {
                bytes: 3500.0,
                quality: 85.0
            })
        );
        assert_eq!(
            bytes_at_score(&curve(), 60.0),
            Some(Equal::Within {
                bytes: 1000.0,
                quality: 50.0
            })
        );
        assert_eq!(
            bytes_at_score(&curve(), 80.0),
            Some(Equal::Within {
                bytes: 4000.0,
                quality: 90.0
            })
        );
    }

    #[test]
    fn scores_outside_the_sweep_are_flagged_with_the_nearest_end() {
        assert_eq!(
            bytes_at_score(&curve(), 85.0),
            Some(Equal::Above { bytes: 4000.0 })
        );
        assert_eq!(
            bytes_at_score(&curve(), 50.0),
            Some(Equal::Below { bytes: 1000.0 })
        );
        assert_eq!(bytes_at_score(&[], 50.0), None);
    }

    #[test]
    fn a_dip_in_the_curve_takes_the_lowest_quality_that_reaches_the_score() {
        // Quality 60 scores lower than 50: 55 is reached first between 40 and 50.
        let curve = [
            Point {
                quality: 40,
                bytes: 100.0,
                score: 50.0,
            },
            Point {
                quality: 50,
                bytes: 200.0,
                score: 60.0,
            },
            Point {
                quality: 60,
                bytes: 300.0,
                score: 52.0,
            },
            Point {
                quality: 70,
                bytes: 400.0,
                score: 70.0,
            },
        ];
        assert_eq!(
            bytes_at_score(&curve, 55.0),
            Some(Equal::Within {
                bytes: 150.0,
                quality: 45.0
            })
        );
    }

    #[test]
    fn the_best_of_several_settings_is_the_cheapest_that_reaches_the_score() {
        // A second setting that reaches higher scores, at twice the bytes below 80.
        let wide = vec![
            Point {
                quality: 50,
                bytes: 2000.0,
                score: 60.0,
            },
            Point {
                quality: 90,
                bytes: 8000.0,
                score: 90.0,
            },
        ];
        let curves = [curve(), wide];
        // Both reach 65: the first is cheaper (1500 against 2000 + 6000 × 5/30 = 3000).
        assert_eq!(
            best_bytes_at_score(&curves, 65.0).map(Equal::bytes),
            Some(1500.0)
        );
        // Only the second reaches 85: 2000 + 6000 × 25/30.
        assert_eq!(
            best_bytes_at_score(&curves, 85.0),
            Some(Equal::Within {
                bytes: 7000.0,
                quality: 50.0 + 40.0 * 25.0 / 30.0
            })
        );
        // Neither reaches 95: the smaller top.
        assert_eq!(
            best_bytes_at_score(&curves, 95.0),
            Some(Equal::Above { bytes: 4000.0 })
        );
        assert_eq!(best_bytes_at_score(&[], 65.0), None);
    }

    #[test]
    fn the_ratio_is_of_sums_not_a_mean_of_ratios() {
        // Per-pair ratios 0.5 and 1.0 (mean 0.75); sums 900 / 1000.
        assert_eq!(summed_ratio(&[(100.0, 200.0), (800.0, 800.0)]), 0.9);
    }
}
