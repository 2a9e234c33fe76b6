//! One Monte-Carlo replica of the classifier (spec 4.1 steps 1-10): sample the training
//! set and the sources, build features, standardize with the training statistics,
//! balance with SMOTE, grow the forest, predict (growing only the targets' paths). The pipe path (`mcsample | features |
//! standardize | smote | rforest`) runs exactly these functions with CSV between them,
//! and CSV numbers round-trip exactly, so both paths give the same bytes.

use crate::classes::N_CLASSES;
use crate::error::{Error, Result};
use crate::features::{Scaler, features};
use crate::forest::{Forest, ForestParams};
use crate::mc::{McOptions, sample};
use crate::rng::StreamId;
use crate::schema::N_FEATURES;
use crate::smote::smote;
use crate::sources::Sources;

/// The settings of one replica. Defaults are the paper's: error scale 1, k = 4,
/// 100 trees, 5 features per split.
#[derive(Debug, Clone)]
pub struct ReplicaOptions {
    pub mc: McOptions,
    pub k: usize,
    pub forest: ForestParams,
}

impl Default for ReplicaOptions {
    fn default() -> Self {
        ReplicaOptions {
            mc: McOptions::default(),
            k: crate::smote::DEFAULT_K,
            forest: ForestParams::default(),
        }
    }
}

/// The class labels of a training set, as SMOTE and the forest take them.
pub fn labels(td: &Sources) -> Result<Vec<u8>> {
    td.class
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.map(|c| c as u8).ok_or_else(|| {
                Error::invalid(format!(
                    "training source '{}' has no class",
                    td.names.get(i).map_or("", |s| s.as_str())
                ))
            })
        })
        .collect()
}

/// Class probabilities of every target source in one replica. `td` is the training
/// set already reddened for the targets' E(B-V); `labels` its classes.
pub fn classify_replica(
    td: &Sources,
    labels: &[u8],
    targets: &Sources,
    id: StreamId,
    opts: &ReplicaOptions,
) -> Result<Vec<[f64; N_CLASSES]>> {
    let mut x_td = features(&sample(td, id, &opts.mc));
    let mut x_targets = features(&sample(targets, id, &opts.mc));
    // Spec 4.7: fitted on the training set of this replica, before SMOTE.
    let scaler = Scaler::fit(&x_td, N_FEATURES);
    scaler.transform(&mut x_td);
    scaler.transform(&mut x_targets);
    let balanced = smote(&x_td, N_FEATURES, labels, opts.k, id)?;
    // Only the targets' paths are grown: the same probabilities as `rforest train`
    // then `rforest predict` on the whole forest (the pipe path).
    let probs = Forest::fit_predict(
        &balanced.x,
        N_FEATURES,
        &balanced.y,
        N_CLASSES,
        &opts.forest,
        id,
        &x_targets,
    )?;
    Ok(probs
        .iter()
        .map(|p| {
            let mut out = [0.0; N_CLASSES];
            out.copy_from_slice(&p[..N_CLASSES]);
            out
        })
        .collect())
}
