//! Every computation of the MUWCLASS tools (Yang et al. 2022, ApJ 941, 104). The tool
//! binaries are thin wrappers: arguments in, these functions, CSV out.
//! `docs/method.md` ("spec") is cited by section throughout.

pub mod aggregate;
pub mod bands;
pub mod classes;
pub mod classified;
pub mod cli;
pub mod data;
pub mod ebv;
pub mod error;
pub mod features;
pub mod fechner;
pub mod field;
pub mod forest;
pub mod html;
pub mod loocv;
pub mod matrix;
pub mod mc;
pub mod metrics;
pub mod outlier;
pub mod oversample;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod query;
pub mod regions;
pub mod replica;
pub mod report;
pub mod results;
pub mod rng;
pub mod schema;
pub mod score;
pub mod shard;
pub mod smote;
pub mod sources;
pub mod synth;
pub mod table;
pub mod xmatch;

pub use ebv::{absorption, bins, redden, sfd};
pub use error::{Error, Result};
