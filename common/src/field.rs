//! Classification of a field or catalog, fused in one process (paper 3.3, spec 3.6,
//! 4.1): sources grouped in E(B-V) bins, the training AGNs reddened to each bin's mean
//! E(B-V), K Monte-Carlo replicas per bin, aggregated per source (spec 8). Every
//! (bin, replica) runs the same functions with the same random streams as the make
//! targets of the pipe path, so both give the same bytes.

use rayon::prelude::*;

use crate::absorption::Absorption;
use crate::bins::{EbvBin, ebv_bins};
use crate::classes::N_CLASSES;
use crate::error::Result;
use crate::progress::Progress;
use crate::redden::redden_agns;
use crate::replica::{ReplicaOptions, classify_replica, labels};
use crate::rng::StreamId;
use crate::sources::Sources;

#[derive(Debug, Clone)]
pub struct FieldOptions {
    pub replicas: usize,
    pub seed: u64,
    pub bin_width: f64,
    pub replica: ReplicaOptions,
}

/// Per source (table row), the class probabilities of every replica in replica order;
/// and the bins that were run.
pub struct FieldResult {
    pub bins: Vec<EbvBin>,
    pub samples: Vec<Vec<[f64; N_CLASSES]>>,
}

pub fn classify_field(
    td: &Sources,
    field: &Sources,
    ebv: &[f64],
    absorption: &Absorption,
    opts: &FieldOptions,
    progress: &Progress,
) -> Result<FieldResult> {
    let td_labels = labels(td)?;
    let bins = ebv_bins(ebv, opts.bin_width);
    let units: Vec<(usize, usize)> = (0..bins.len())
        .flat_map(|b| (0..opts.replicas).map(move |r| (b, r)))
        .collect();
    // Each unit reddens its own copy of the training set (a few ms beside a forest
    // fit), so memory does not grow with the number of bins.
    let results: Vec<Vec<[f64; N_CLASSES]>> = units
        .par_iter()
        .map(|&(b, r)| {
            let bin = &bins[b];
            let mut td_bin = td.clone();
            redden_agns(&mut td_bin, bin.mean_ebv, absorption);
            let members = field.subset(&bin.rows);
            let id = StreamId::new(opts.seed).bin(bin.index).replica(r as u64);
            let p = classify_replica(&td_bin, &td_labels, &members, id, &opts.replica);
            progress.inc(1);
            p
        })
        .collect::<Result<_>>()?;
    let mut samples = vec![Vec::with_capacity(opts.replicas); field.len()];
    for (&(b, _), probs) in units.iter().zip(results) {
        for (&row, p) in bins[b].rows.iter().zip(probs) {
            samples[row].push(p);
        }
    }
    Ok(FieldResult { bins, samples })
}
