//! Every computation of the MUWCLASS tools (Yang et al. 2022, ApJ 941, 104). The tool
//! binaries are thin wrappers: arguments in, these functions, CSV out.
//! `../shared/docs/muwclass-spec.md` ("spec") is cited by section throughout.

pub mod bands;
pub mod classes;
pub mod cli;
pub mod data;
pub mod error;
pub mod rng;
pub mod schema;
pub mod synth;
pub mod table;
pub mod xmatch;

pub use error::{Error, Result};
