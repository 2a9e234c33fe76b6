//! Classification of a field or catalog, fused in one process (paper 3.3, spec 3.6,
//! 4.1): sources grouped in E(B-V) bins, the training AGNs reddened to each bin's mean
//! E(B-V), K Monte-Carlo replicas per bin, aggregated per source (spec 8). Every
//! (bin, replica) runs the same functions with the same random streams as the make
//! targets of the pipe path, so both give the same bytes.

use rayon::prelude::*;

use crate::absorption::Absorption;
use crate::bins::{Binning, EbvBin};
use crate::classes::N_CLASSES;
use crate::error::Result;
use crate::plan::{Group, Plan, Study, Unit};
use crate::progress::Progress;
use crate::redden::redden_agns;
use crate::replica::{ReplicaOptions, classify_replica, labels};
use crate::rng::StreamId;
use crate::sources::Sources;

#[derive(Debug, Clone)]
pub struct FieldOptions {
    pub replicas: usize,
    pub seed: u64,
    pub binning: Binning,
    pub replica: ReplicaOptions,
}

/// The units of a classification: its bins (sources per bin) times the replicas.
pub fn field_plan(bins: &[EbvBin], replicas: usize) -> Plan {
    Plan {
        study: Study::Classify,
        groups: bins
            .iter()
            .map(|b| Group {
                id: b.index,
                sources: b.rows.len(),
            })
            .collect(),
        replicas,
    }
}

/// The class probabilities of the members of each unit's bin (in the bin's row
/// order), for the given units of the plan of `bins` ([`field_plan`]).
pub fn classify_units(
    td: &Sources,
    field: &Sources,
    bins: &[EbvBin],
    units: &[Unit],
    absorption: &Absorption,
    opts: &FieldOptions,
    progress: &Progress,
) -> Result<Vec<Vec<[f64; N_CLASSES]>>> {
    let td_labels = labels(td)?;
    // Each unit reddens its own copy of the training set (a few ms beside a forest
    // fit), so memory does not grow with the number of bins.
    units
        .par_iter()
        .map(|u| {
            let bin = &bins[u.group];
            let mut td_bin = td.clone();
            redden_agns(&mut td_bin, bin.mean_ebv, absorption);
            let members = field.subset(&bin.rows);
            let id = StreamId::new(opts.seed)
                .bin(bin.index)
                .replica(u.replica as u64);
            let p = classify_replica(&td_bin, &td_labels, &members, id, &opts.replica);
            progress.inc(1);
            p
        })
        .collect()
}

/// Per source (table row), its replicas' probabilities in replica order, from the
/// results of units (any order, each unit once).
pub fn field_samples(
    bins: &[EbvBin],
    n_rows: usize,
    replicas: usize,
    results: impl IntoIterator<Item = (Unit, Vec<[f64; N_CLASSES]>)>,
) -> Vec<Vec<[f64; N_CLASSES]>> {
    let mut samples = vec![vec![[f64::NAN; N_CLASSES]; replicas]; n_rows];
    for (u, probs) in results {
        for (&row, p) in bins[u.group].rows.iter().zip(probs) {
            samples[row][u.replica] = p;
        }
    }
    samples
}
