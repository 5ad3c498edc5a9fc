//! Medians, ranges and percentiles of repeated measurements.

/// The median and range of one quantity over repetitions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The median.
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Summary {
    /// The summary of `values`; `None` if there are none.
    pub fn of(values: &[f64]) -> Option<Summary> {
        let sorted = sorted(values);
        Some(Summary { median: percentile(&sorted, 50.0)?, min: *sorted.first()?, max: *sorted.last()? })
    }
}

/// `values` in ascending order (NaNs last).
pub fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

/// The `p`th percentile of ascending `sorted`, interpolating between the
/// two nearest ranks (so the 50th of an even count is the mean of the
/// middle two).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = (p / 100.0).clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let frac = rank - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_ranges_and_percentiles() {
        let s = Summary::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!(s, Summary { median: 2.5, min: 1.0, max: 10.0 });
        assert_eq!(Summary::of(&[]), None);
        let v: Vec<f64> = (1..=101).map(f64::from).collect();
        assert_eq!(percentile(&v, 99.0), Some(100.0));
        assert_eq!(percentile(&v, 50.0), Some(51.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
    }
}
