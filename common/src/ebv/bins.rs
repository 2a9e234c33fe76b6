//! E(B-V) bins (paper section 3.3, spec 3.6): sources are grouped in bins of 25 mmag and
//! the training AGNs are reddened once per bin, to the mean E(B-V) of the bin's members.
//! An alternative whose width grows with E(B-V) (`--bin-rel F`) keeps 25 mmag where the
//! dust map is precise and widens the bins where it is uncertain by tens of percent.

use crate::error::{Error, Result};
use crate::redden::{EBV_BIN_WIDTH, ebv_bin};
use crate::table::fmt_f64;

/// How E(B-V) values are grouped in bins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Binning {
    /// The paper's bins: floor(E(B-V) / width).
    Fixed { width: f64 },
    /// Width max(0.025, fraction x lower edge): 25-mmag bins up to the first edge
    /// where fraction x edge reaches 25 mmag, then edges growing geometrically by
    /// (1 + fraction).
    Relative { fraction: f64 },
}

impl Default for Binning {
    fn default() -> Self {
        Binning::Fixed {
            width: EBV_BIN_WIDTH,
        }
    }
}

impl Binning {
    /// The fixed bins of `width`, or the relative bins of `fraction` when given;
    /// each must be a positive finite number (a fraction at most 1).
    pub fn new(width: f64, fraction: Option<f64>) -> Result<Binning> {
        match fraction {
            Some(f) if f.is_finite() && f > 0.0 && f <= 1.0 => {
                Ok(Binning::Relative { fraction: f })
            }
            Some(f) => Err(Error::invalid(format!(
                "--bin-rel must be a fraction in (0, 1], got {f}"
            ))),
            None => crate::redden::check_bin_width(width).map(|width| Binning::Fixed { width }),
        }
    }

    /// The index of the bin of `ebv`; negative values fall in bin 0.
    pub fn index(&self, ebv: f64) -> u64 {
        match *self {
            Binning::Fixed { width } => ebv_bin(ebv, width),
            Binning::Relative { fraction } => {
                let fixed = Self::fixed_bins(fraction);
                let knee = fixed as f64 * EBV_BIN_WIDTH;
                if ebv < knee {
                    ebv_bin(ebv, EBV_BIN_WIDTH)
                } else {
                    fixed + ((ebv / knee).ln() / fraction.ln_1p()).floor() as u64
                }
            }
        }
    }

    /// The number of 25-mmag bins below the knee of the relative bins: the first edge
    /// k x 25 mmag at which fraction x edge >= 25 mmag.
    fn fixed_bins(fraction: f64) -> u64 {
        (1.0 / fraction).ceil().max(1.0) as u64
    }

    /// The binning as a run option: its flag and value (`bin_width`, `0.025`).
    pub fn option(&self) -> (&'static str, String) {
        match *self {
            Binning::Fixed { width } => ("bin_width", fmt_f64(width)),
            Binning::Relative { fraction } => ("bin_rel", fmt_f64(fraction)),
        }
    }
}

/// One non-empty bin: its index floor(E(B-V)/width), the mean E(B-V) of its members
/// and the member rows in table order.
#[derive(Debug, Clone, PartialEq)]
pub struct EbvBin {
    pub index: u64,
    pub mean_ebv: f64,
    pub rows: Vec<usize>,
}

/// Groups rows by E(B-V) bin, bins in increasing index. The mean is summed in row
/// order, so every path that bins the same table gets the same f64.
pub fn ebv_bins(ebv: &[f64], binning: &Binning) -> Vec<EbvBin> {
    let mut by_index: std::collections::BTreeMap<u64, Vec<usize>> = Default::default();
    for (row, e) in ebv.iter().enumerate() {
        by_index.entry(binning.index(*e)).or_default().push(row);
    }
    by_index
        .into_iter()
        .map(|(index, rows)| {
            let sum: f64 = rows.iter().map(|&r| ebv[r]).sum();
            EbvBin {
                index,
                mean_ebv: sum / rows.len() as f64,
                rows,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_group_by_floor_and_average_members() {
        let bins = ebv_bins(&[0.010, 0.030, 0.020, 0.051], &Binning::default());
        assert_eq!(bins.len(), 3);
        assert_eq!((bins[0].index, bins[0].rows.clone()), (0, vec![0, 2]));
        assert!((bins[0].mean_ebv - 0.015).abs() < 1e-15);
        assert_eq!((bins[1].index, bins[1].rows.clone()), (1, vec![1]));
        assert_eq!((bins[2].index, bins[2].rows.clone()), (2, vec![3]));
    }

    #[test]
    fn relative_bins_widen_past_the_knee() {
        let b = Binning::new(0.025, Some(0.02)).unwrap();
        // Below 50 x 25 mmag = 1.25 mag, 2% of E(B-V) is under 25 mmag: the paper's bins.
        for e in [0.0, 0.01, 0.3, 1.2499] {
            assert_eq!(b.index(e), ebv_bin(e, 0.025), "{e}");
        }
        assert_eq!(b.index(1.25), 50);
        assert_eq!(b.index(1.25 * 1.02 - 1e-9), 50);
        assert_eq!(b.index(1.25 * 1.02 + 1e-9), 51);
        // Edge j above the knee is 1.25 x 1.02^j: 38.6 mag lies past edge 173.
        assert_eq!(b.index(38.6), 50 + 173);
        assert!(Binning::new(0.025, Some(0.0)).is_err());
        assert!(Binning::new(0.025, Some(f64::NAN)).is_err());
        assert!(Binning::new(-1.0, None).is_err());
        assert_eq!(b.option(), ("bin_rel", "0.02".to_string()));
        assert_eq!(
            Binning::default().option(),
            ("bin_width", "0.025".to_string())
        );
    }
}
