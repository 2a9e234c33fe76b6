//! E(B-V) bins (paper section 3.3, spec 3.6): sources are grouped in bins of 25 mmag and
//! the training AGNs are reddened once per bin, to the mean E(B-V) of the bin's members.

use crate::redden::ebv_bin;

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
pub fn ebv_bins(ebv: &[f64], width: f64) -> Vec<EbvBin> {
    let mut by_index: std::collections::BTreeMap<u64, Vec<usize>> = Default::default();
    for (row, e) in ebv.iter().enumerate() {
        by_index.entry(ebv_bin(*e, width)).or_default().push(row);
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
        let bins = ebv_bins(&[0.010, 0.030, 0.020, 0.051], 0.025);
        assert_eq!(bins.len(), 3);
        assert_eq!((bins[0].index, bins[0].rows.clone()), (0, vec![0, 2]));
        assert!((bins[0].mean_ebv - 0.015).abs() < 1e-15);
        assert_eq!((bins[1].index, bins[1].rows.clone()), (1, vec![1]));
        assert_eq!((bins[2].index, bins[2].rows.clone()), (2, vec![3]));
    }
}
