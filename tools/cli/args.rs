//! Flag groups that more than one tool takes, each defined once: name, default (from
//! the library), help and validation. A tool flattens the groups it needs.

use std::path::PathBuf;

use clap::Args;
use common::absorption::Absorption;
use common::features::FeatureSet;
use common::forest::{ClassWeight, DEFAULT_TREES, ForestParams};
use common::mc::{DEFAULT_ERROR_SCALE, McOptions};
use common::oversample::AbsorptionGrid;
use common::replica::{Oversampling, Profile, ReplicaOptions};
use common::rng::StreamId;
use common::schema::{NAME, TRUE_CLASS};

/// A count that must be at least 1 (trees, neighbours, replicas, threads).
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("'{s}' is not a whole number >= 1")),
    }
}

/// A finite number in [0, 1] (a fraction).
pub fn fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("'{s}' is not a number in [0, 1]")),
    }
}

/// A finite number > 0 (error scale, bin width).
pub fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("'{s}' is not a finite number > 0")),
    }
}

/// A finite number >= 0 (CT cut, E(B-V), error scale).
pub fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("'{s}' is not a finite number >= 0")),
    }
}

/// The format of the tables a tool writes, for the tools whose output people open in
/// other programs. The formats and their names are the table module's
/// (`common::table::OutputFormat`).
#[derive(Args, Debug, Clone, Copy)]
pub struct Format {
    /// Format of the output table: csv, or votable (TABLEDATA with the units and UCDs
    /// of the project's columns; opens in TOPCAT).
    #[arg(long, value_name = "FORMAT", default_value = "csv", value_parser = output_format)]
    pub format: common::table::OutputFormat,
}

fn output_format(name: &str) -> Result<common::table::OutputFormat, String> {
    common::table::OutputFormat::parse(name).map_err(|e| e.to_string())
}

impl Format {
    /// Makes every table this process writes use the format.
    pub fn apply(self) {
        common::table::set_output_format(self.format);
    }
}

/// Where the result goes.
#[derive(Args, Debug, Clone)]
pub struct Output {
    /// Output file (default: standard output), written atomically (temporary file,
    /// then rename), so that an interrupted run never leaves a partial file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl Output {
    pub fn path(&self) -> Option<&std::path::Path> {
        self.output.as_deref()
    }
}

/// Where a random step stands in a study: the (seed, bin, replica, fold) of its
/// random stream (`common::rng`).
#[derive(Args, Debug, Clone, Copy)]
pub struct Stream {
    /// Seed of the study.
    #[arg(long)]
    pub seed: u64,
    /// E(B-V) bin index (0 when the study has one E(B-V)).
    #[arg(long, default_value_t = 0)]
    pub bin: u64,
    /// Monte-Carlo replica index.
    #[arg(long, default_value_t = 0)]
    pub replica: u64,
    /// LOOCV fold: the index of the left-out source (0 outside LOOCV).
    #[arg(long, default_value_t = 0)]
    pub fold: u64,
}

impl Stream {
    pub fn id(&self) -> StreamId {
        StreamId::new(self.seed)
            .bin(self.bin)
            .replica(self.replica)
            .fold(self.fold)
    }
}

/// Trees in each forest.
#[derive(Args, Debug, Clone, Copy)]
pub struct Trees {
    /// Trees in each forest (spec 7).
    #[arg(long, default_value_t = DEFAULT_TREES, value_parser = at_least_one, allow_negative_numbers = true)]
    pub trees: usize,
}

/// The forest's class weights.
#[derive(Args, Debug, Clone, Copy)]
pub struct ClassWeights {
    /// Class weights of the forest, as scikit-learn's `class_weight`: none (the
    /// paper's), balanced (a sample of class c weighs n / (classes x n_c), counted in
    /// the training set; equal after SMOTE to the majority) or balanced_subsample
    /// (counted in each tree's bootstrap).
    #[arg(long, value_name = "WEIGHTS", value_parser = class_weight)]
    pub class_weight: Option<ClassWeight>,
}

fn class_weight(name: &str) -> Result<ClassWeight, String> {
    ClassWeight::parse(name).map_err(|e| e.to_string())
}

/// SMOTE's neighbours.
#[derive(Args, Debug, Clone, Copy)]
pub struct Neighbours {
    /// SMOTE neighbours per point, within the class (spec 6.1; the paper's k = 4).
    #[arg(long, default_value_t = common::smote::DEFAULT_K, value_parser = at_least_one, allow_negative_numbers = true)]
    pub k: usize,
}

/// The factor on every measurement error in the Monte-Carlo draws.
#[derive(Args, Debug, Clone, Copy)]
pub struct ErrorScale {
    /// Factor on every 1-sigma error in the Monte-Carlo draws: 1 as in the paper,
    /// 1.4142135623730951 as in the authors' later code (spec 5).
    #[arg(long, default_value_t = DEFAULT_ERROR_SCALE, value_parser = non_negative, allow_negative_numbers = true)]
    pub error_scale: f64,
}

impl ErrorScale {
    pub fn options(&self) -> McOptions {
        McOptions {
            error_scale: self.error_scale,
        }
    }
}

/// The confidence-threshold cut of a confident classification.
#[derive(Args, Debug, Clone, Copy)]
pub struct CtCut {
    /// CT cut of a confident classification (spec 8; the paper's 2).
    #[arg(long, default_value_t = common::aggregate::CT_CUT, value_parser = non_negative, allow_negative_numbers = true)]
    pub ct_cut: f64,
}

/// The column of the literature classes.
#[derive(Args, Debug, Clone)]
pub struct ClassColumn {
    /// Column of the true (literature) class labels.
    #[arg(long, value_name = "COLUMN", default_value = TRUE_CLASS)]
    pub class_column: String,
}

/// The source identifier column.
#[derive(Args, Debug, Clone)]
pub struct IdColumn {
    /// Source id column.
    #[arg(long, value_name = "COLUMN", default_value = NAME)]
    pub id: String,
}

/// The training set.
#[derive(Args, Debug, Clone)]
pub struct TrainingSet {
    /// Training set: a table in the training set's columns with a class column
    /// (default: the embedded 2,941-source TD of the paper).
    #[arg(long, value_name = "FILE")]
    pub training_set: Option<PathBuf>,
}

impl TrainingSet {
    /// The training set's table and sources, every missing column named in one error
    /// (`common::data::training_set`); `extra` columns are required besides the paper's.
    pub fn load(
        &self,
        class_column: &str,
        extra: &[&str],
    ) -> common::Result<(common::table::Table, common::sources::Sources)> {
        common::data::training_set(self.training_set.as_deref(), class_column, extra)
    }
}

/// The E(B-V) map.
#[derive(Args, Debug, Clone)]
pub struct Map {
    /// E(B-V) map: HEALPix RING, Galactic, FITS (default: the embedded SFD map).
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
}

/// The E(B-V) bins a table is split in (paper 3.3, spec 3.6).
#[derive(Args, Debug, Clone, Copy)]
pub struct Bins {
    /// Width of the E(B-V) bins in mag (spec 3.6: the paper's 25 mmag).
    #[arg(long, value_name = "MAG", default_value_t = common::redden::EBV_BIN_WIDTH, value_parser = positive, allow_negative_numbers = true)]
    pub bin_width: f64,
    /// Bins whose width grows with E(B-V): max(0.025, F x E(B-V)) mag, e.g. 0.02.
    #[arg(long, value_name = "F", conflicts_with = "bin_width", value_parser = positive, allow_negative_numbers = true)]
    pub bin_rel: Option<f64>,
}

impl Bins {
    pub fn binning(&self) -> common::Result<common::bins::Binning> {
        common::bins::Binning::new(self.bin_width, self.bin_rel)
    }
}

/// Work units and shards of a run (`classify`, `loocv`): `--plan` sizes a run,
/// `--shard I/N` computes one share of it for `ctscore --merge`.
#[derive(Args, Debug, Clone)]
pub struct Shards {
    /// Print the work units with their estimated cost and shard (among --shards), and
    /// a summary per shard on stderr; compute nothing.
    #[arg(long)]
    pub plan: bool,
    /// The number of shards --plan splits the units in.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "plan", value_parser = clap::value_parser!(u32).range(1..))]
    pub shards: u32,
    /// Compute only the I-th of N shards (1 <= I <= N), balanced by estimated cost,
    /// and write its per-replica rows as a shard file for `ctscore --merge`.
    #[arg(long, value_name = "I/N", conflicts_with = "plan")]
    pub shard: Option<String>,
}

impl Shards {
    /// The shard to compute, checked (a one-line error, like every input error).
    pub fn shard(&self) -> common::Result<Option<common::plan::ShardSpec>> {
        self.shard.as_deref().map(str::parse).transpose()
    }
}

/// The feature columns a learner uses.
#[derive(Args, Debug, Clone)]
pub struct FeatureColumns {
    /// Feature columns, comma-separated (default: the 29 features of spec 4.2,
    /// `features --list`).
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub features: Option<Vec<String>>,
}

impl FeatureColumns {
    pub fn names(&self) -> Vec<&str> {
        match &self.features {
            Some(f) => f.iter().map(String::as_str).collect(),
            None => common::schema::FEATURE_NAMES.to_vec(),
        }
    }
}

/// The settings of a Monte-Carlo replica run in process (`loocv`, `classify`);
/// defaults are the paper's.
#[derive(Args, Debug, Clone)]
pub struct Replicas {
    /// Monte-Carlo replicas per source (1000 in the paper; 100 in the authors' demo).
    #[arg(long = "mc", value_name = "N", default_value_t = 100, value_parser = at_least_one, allow_negative_numbers = true)]
    pub replicas: usize,
    /// Seed of every random step; the output is identical for a seed whatever the threads.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub trees: Trees,
    #[command(flatten)]
    pub k: Neighbours,
    #[command(flatten)]
    pub error_scale: ErrorScale,
    #[command(flatten)]
    pub method: Method,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl Replicas {
    pub fn options(&self) -> common::Result<ReplicaOptions> {
        let profile = self.method.profile;
        let fraction = self
            .method
            .oversample
            .unwrap_or_else(|| profile.oversample_fraction());
        let oversample = if fraction > 0.0 {
            Some(Oversampling {
                fraction,
                grid: AbsorptionGrid::new(&Absorption::embedded()?),
            })
        } else {
            None
        };
        Ok(ReplicaOptions {
            mc: self.error_scale.options(),
            k: self.k.k,
            forest: ForestParams {
                n_trees: self.trees.trees,
                class_weight: self
                    .method
                    .class_weight
                    .class_weight
                    .unwrap_or(profile.class_weight()),
                ..ForestParams::default()
            },
            features: self.method.feature_set.unwrap_or(profile.features()),
            oversample,
        })
    }
}

/// The method choices beyond the paper's (issue 12), as a named profile and the
/// options that override it.
#[derive(Args, Debug, Clone)]
pub struct Method {
    /// Method profile: `paper` (Yang et al. 2022 exactly, the README's reproduction) or
    /// `improved` (what the README's ablation shows to help). The options below
    /// override the profile's choices.
    #[arg(long, value_name = "PROFILE", default_value = "paper", value_parser = profile)]
    pub profile: Profile,
    /// Feature set: `paper` (the 29 of spec 4.2) or `astrometry` (the 29 and Gaia
    /// Plx/e_Plx, log PM, log rgeo).
    #[arg(long, value_name = "SET", value_parser = feature_set)]
    pub feature_set: Option<FeatureSet>,
    /// Physical oversampling before SMOTE: minority classes grown to FRACTION of the
    /// largest class with copies of their members reddened to E(B-V) in [0, 3] mag
    /// (0: none).
    #[arg(long, value_name = "FRACTION", value_parser = fraction)]
    pub oversample: Option<f64>,
    #[command(flatten)]
    pub class_weight: ClassWeights,
}

fn profile(name: &str) -> Result<Profile, String> {
    Profile::parse(name).map_err(|e| e.to_string())
}

fn feature_set(name: &str) -> Result<FeatureSet, String> {
    FeatureSet::parse(name).map_err(|e| e.to_string())
}

/// The position columns of a source table.
#[derive(Args, Debug, Clone)]
pub struct Position {
    /// Right ascension column (ICRS, deg).
    #[arg(long, value_name = "COLUMN", default_value = common::schema::RA)]
    pub ra: String,
    /// Declination column (ICRS, deg).
    #[arg(long, value_name = "COLUMN", default_value = common::schema::DEC)]
    pub dec: String,
}
