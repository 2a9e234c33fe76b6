//! One Monte-Carlo replica of the classifier (spec 4.1 steps 1-10): sample the training
//! set and the sources, build features, standardize with the training statistics,
//! balance with SMOTE, grow the forest, predict (growing only the targets' paths). The pipe path (`mcsample | features |
//! standardize | smote | rforest`) runs exactly these functions with CSV between them,
//! and CSV numbers round-trip exactly, so both paths give the same bytes.

use std::borrow::Cow;
use std::sync::Arc;

use crate::classes::N_CLASSES;
use crate::error::{Error, Result};
use crate::features::{FeatureSet, Scaler};
use crate::forest::{Forest, ForestParams};
use crate::mc::{McOptions, sample};
use crate::oversample::{AbsorptionGrid, physical_copies};
use crate::rng::StreamId;
use crate::smote::smote;
use crate::sources::Sources;

/// The settings of one replica. Defaults are the paper's: error scale 1, k = 4,
/// 100 trees, 5 features per split, the 29 features, SMOTE alone.
#[derive(Debug, Clone)]
pub struct ReplicaOptions {
    pub mc: McOptions,
    pub k: usize,
    pub forest: ForestParams,
    pub features: FeatureSet,
    /// Physical oversampling of the minority classes before SMOTE (`oversample`).
    pub oversample: Option<Oversampling>,
}

/// A named bundle of method choices (issue 12): `paper` is Yang et al. (2022) exactly
/// (the README's reproduction); `improved` adds what the ablation in the README shows
/// to help. Explicit options override a profile's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Paper,
    Improved,
}

impl Profile {
    pub(crate) const NAMES: [&str; 2] = ["paper", "improved"];

    pub fn parse(name: &str) -> Result<Profile> {
        match name {
            "paper" => Ok(Profile::Paper),
            "improved" => Ok(Profile::Improved),
            _ => Err(Error::invalid(format!(
                "unknown profile '{name}' (expected one of {})",
                Self::NAMES.join(", ")
            ))),
        }
    }

    /// The feature set of the profile.
    pub fn features(self) -> FeatureSet {
        match self {
            Profile::Paper => FeatureSet::Paper,
            Profile::Improved => IMPROVED_FEATURES,
        }
    }

    /// The forest's class weights of the profile.
    pub fn class_weight(self) -> crate::forest::ClassWeight {
        match self {
            Profile::Paper => crate::forest::ClassWeight::None,
            Profile::Improved => IMPROVED_CLASS_WEIGHT,
        }
    }

    /// The physical-oversampling fraction of the profile (0: none).
    pub fn oversample_fraction(self) -> f64 {
        match self {
            Profile::Paper => 0.0,
            Profile::Improved => IMPROVED_OVERSAMPLE_FRACTION,
        }
    }
}

/// The `improved` profile's choices, from the ablation in the README.
const IMPROVED_FEATURES: FeatureSet = FeatureSet::Astrometry;
const IMPROVED_OVERSAMPLE_FRACTION: f64 = 0.0;
const IMPROVED_CLASS_WEIGHT: crate::forest::ClassWeight = crate::forest::ClassWeight::None;

/// Physical oversampling: classes grown by reddened copies of their members to
/// `fraction` of the largest class; SMOTE balances the rest.
#[derive(Debug, Clone)]
pub struct Oversampling {
    pub fraction: f64,
    pub grid: Arc<AbsorptionGrid>,
}

impl Default for ReplicaOptions {
    fn default() -> Self {
        ReplicaOptions {
            mc: McOptions::default(),
            k: crate::smote::DEFAULT_K,
            forest: ForestParams::default(),
            features: FeatureSet::Paper,
            oversample: None,
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
pub(crate) fn classify_replica(
    td: &Sources,
    labels: &[u8],
    targets: &Sources,
    id: StreamId,
    opts: &ReplicaOptions,
) -> Result<Vec<[f64; N_CLASSES]>> {
    let n_features = opts.features.len();
    let mut x_td = opts.features.matrix(&sample(td, id, &opts.mc));
    let mut x_targets = opts.features.matrix(&sample(targets, id, &opts.mc));
    // Spec 4.7: fitted on the training set of this replica, before any balancing.
    let scaler = Scaler::fit(&x_td, n_features);
    scaler.transform(&mut x_td);
    scaler.transform(&mut x_targets);
    let mut y: Cow<[u8]> = Cow::Borrowed(labels);
    if let Some(po) = &opts.oversample {
        // Copies of this replica's training rows only (in LOOCV: never the left-out
        // source), sampled like every training row.
        let (copies, copy_labels) = physical_copies(td, labels, po.fraction, &po.grid, id);
        let mut x_copies = opts.features.matrix(&sample(&copies, id, &opts.mc));
        scaler.transform(&mut x_copies);
        x_td.extend(x_copies);
        y.to_mut().extend(copy_labels);
    }
    let balanced = smote(&x_td, n_features, &y, opts.k, id)?;
    // Only the targets' paths are grown: the same probabilities as `rforest train`
    // then `rforest predict` on the whole forest (the pipe path).
    let probs = Forest::fit_predict(
        &balanced.x,
        n_features,
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
