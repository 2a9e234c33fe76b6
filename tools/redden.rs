//! `redden`: reddens the training AGNs to an E(B-V) (spec 3.3, 3.4), or looks up the
//! E(B-V) of each source's direction in the SFD map (spec 3.1, 3.6).

use std::path::PathBuf;

use clap::Parser;
use common::absorption::Absorption;
use common::redden::{lookup_table, redden_table};
use common::sfd::SfdMap;
use common::table::{Table, Writer};

#[derive(Parser)]
#[command(
    name = "redden",
    about = "Redden the AGN rows of a training set to an E(B-V), or look up E(B-V) per source",
    long_about = "With --ebv X: the AGN rows (by --class-column) get their X-ray fluxes and \
errors (Fs, Fm, Fh, Fb and e_) multiplied by the tbabs absorption factor of an AGN \
(photon index 2, N_H = 6.851e21 E(B-V)) and their nine magnitudes increased by the \
Fitzpatrick (1999) extinction; other rows pass unchanged. The training set is the \
embedded one unless --training-set names another.\n\nWith --lookup: appends `ebv` (SFD x 0.86, bilinear on the HEALPix \
NSIDE-64 map) and `ebv_bin` (floor(ebv / bin width)) to every row; FILE defaults to \
standard input.",
    after_help = r#"Example (a field at the E(B-V) of its centre, NGC 3532):
  printf 'CSCv2_name,CSCv2_RA,CSCv2_DEC\nc,166.28875,-58.85\n' | redden --lookup
  redden --ebv 1.2654917886 | mcsample --seed 1 --replica 0 | features > td_r0.csv
  redden --lookup examples/hess/hess_fields.csv -o hess_ebv.csv
  redden --lookup --bin-rel 0.02 examples/hess/hess_fields.csv -o hess_ebv_rel.csv"#
)]
struct Args {
    /// E(B-V) (mag) to redden the AGN rows of the training set to.
    #[arg(long, conflicts_with = "lookup", required_unless_present = "lookup", value_parser = cli::non_negative, allow_negative_numbers = true)]
    ebv: Option<f64>,
    #[command(flatten)]
    training_set: cli::TrainingSet,
    /// Append the E(B-V) of each row's direction instead of reddening.
    #[arg(long)]
    lookup: bool,
    #[command(flatten)]
    class_column: cli::ClassColumn,
    #[command(flatten)]
    map: cli::Map,
    #[command(flatten)]
    position: cli::Position,
    /// The E(B-V) bins of --lookup.
    #[command(flatten)]
    bins: cli::Bins,
    #[command(flatten)]
    output: cli::Output,
    /// With --lookup: the table of sources (standard input when absent or '-').
    #[arg(requires = "lookup")]
    file: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    cli::main("redden", |args: Args| {
        let out = if args.lookup {
            let map = SfdMap::open(args.map.map.as_deref())?;
            let t = Table::read(args.file.as_deref())?;
            let pos = &args.position;
            lookup_table(&t, &map, &pos.ra, &pos.dec, &args.bins.binning()?)?
        } else {
            let class_column = &args.class_column.class_column;
            let (t, _) = args.training_set.load(class_column, &[])?;
            let ebv = args.ebv.unwrap_or_default();
            redden_table(&t, ebv, class_column, &Absorption::embedded()?)?
        };
        out.write(Writer::create(args.output.path())?)
    })
}
