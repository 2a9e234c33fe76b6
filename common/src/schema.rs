//! Column names shared between tools: the paper's released-table names (Appendix E)
//! are the schema, so that users can feed the authors' tables in as they are.

/// The 29 classifier features in the canonical order of spec 4.2. Names of the X-ray,
/// hardness and variability features are the authors'; the eight normalised MW fluxes
/// log10(F_band / F_b), which upstream calls `Gmag`... like the magnitudes themselves,
/// are named `Gflux`... here so that they never collide with the magnitude columns.
pub const FEATURE_NAMES: [&str; N_FEATURES] = [
    "ACIS0512Flux",
    "ACIS122Flux",
    "ACIS27Flux",
    "ACIS057Flux",
    "HR_hm",
    "HR_ms",
    "HR_hms",
    "var_inter_prob",
    "var_intra_prob",
    "Gflux",
    "BPflux",
    "RPflux",
    "Jflux",
    "Hflux",
    "Kflux",
    "W1flux",
    "W2flux",
    "G-BP",
    "G-RP",
    "G-J",
    "G-H",
    "G-K",
    "BP-RP",
    "J-H",
    "J-K",
    "H-K",
    "W1-W2",
    "W1-W3",
    "W2-W3",
];

pub const N_FEATURES: usize = 29;

/// Source identifier, position and X-ray positional uncertainty columns.
pub const NAME: &str = "CSCv2_name";
pub const RA: &str = "CSCv2_RA";
pub const DEC: &str = "CSCv2_DEC";
pub const PU: &str = "CSCv2_PU";
/// The literature class of a training source.
pub const TRUE_CLASS: &str = "True_Class";
/// Variability probabilities (spec 1.5 step 4).
pub const P_INTRA: &str = "P_intra";
pub const P_INTER: &str = "P_inter";
/// The E(B-V) of a source's direction and its 25-mmag bin (spec 3.1, 3.6).
pub const EBV: &str = "ebv";
pub const EBV_BIN: &str = "ebv_bin";
/// Marks SMOTE's synthetic rows (1) against the real ones (0).
pub const SYNTHETIC: &str = "synthetic";
