//! Column names shared between tools: the paper's released-table names (Appendix E)
//! are the schema, so that users can feed the authors' tables in as they are.

/// The classifier feature columns (defined with their rules in `features::FEATURES`).
pub use crate::features::{FEATURE_NAMES, N_FEATURES};

/// Gaia DR3 astrometry of the counterpart (`xmatch` writes them; the training set has
/// them): parallax and its error (mas), total proper motion (mas/yr), and the
/// geometric distance (pc, Bailer-Jones et al. 2021).
pub(crate) const ASTROMETRY_COLUMNS: [&str; 4] = ["Plx", "e_Plx", "PM", "rgeo"];

/// Source identifier, position and X-ray positional uncertainty columns.
pub const NAME: &str = "CSCv2_name";
pub const RA: &str = "CSCv2_RA";
pub const DEC: &str = "CSCv2_DEC";
pub const PU: &str = "CSCv2_PU";
/// The literature class of a training source.
pub const TRUE_CLASS: &str = "True_Class";
/// Variability probabilities (spec 1.5 step 4).
pub(crate) const P_INTRA: &str = "P_intra";
pub(crate) const P_INTER: &str = "P_inter";
/// The E(B-V) of a source's direction and its 25-mmag bin (spec 3.1, 3.6).
pub const EBV: &str = "ebv";
pub(crate) const EBV_BIN: &str = "ebv_bin";
/// The outlier score of a classified source (`outlier::field_scores`; issue 12 §3).
pub(crate) const OUTLIER: &str = "outlier";
/// Marks SMOTE's synthetic rows (1) against the real ones (0).
pub(crate) const SYNTHETIC: &str = "synthetic";
