//! `redden`: reddens the training AGNs to an E(B-V) (spec 3.3, 3.4), or looks up the
//! E(B-V) of each source's direction in the SFD map (spec 3.1, 3.6).

use std::path::PathBuf;

use clap::Parser;
use common::absorption::Absorption;
use common::redden::{lookup_table, redden_table};
use common::sfd::SfdMap;
use common::table::{Table, Writer};
use common::{data, schema};

#[path = "shared/bin_args.rs"]
mod bin_args;

#[derive(Parser)]
#[command(
    name = "redden",
    about = "Redden the AGN rows of a training set to an E(B-V), or look up E(B-V) per source",
    long_about = "With --ebv X: the AGN rows (by --class-column) get their X-ray fluxes and \
errors (Fs, Fm, Fh, Fb and e_) multiplied by the tbabs absorption factor of an AGN \
(photon index 2, N_H = 6.851e21 E(B-V)) and their nine magnitudes increased by the \
Fitzpatrick (1999) extinction; other rows pass unchanged. FILE defaults to the embedded \
training set.\n\nWith --lookup: appends `ebv` (SFD x 0.86, bilinear on the HEALPix \
NSIDE-64 map) and `ebv_bin` (floor(ebv / bin width)) to every row; FILE defaults to \
standard input.",
    after_help = "Example (a field at the E(B-V) of its centre, NGC 3532):\n  \
printf 'CSCv2_name,CSCv2_RA,CSCv2_DEC\\nc,166.28875,-58.85\\n' | redden --lookup\n  \
redden --ebv 1.2654917886 | mcsample --seed 1 --replica 0 | features > td_r0.csv\n  \
mcsample --seed 1 --replica 0 field.csv | features | standardize --fit td_r0.csv > field_r0.csv"
)]
struct Args {
    /// E(B-V) (mag) to redden the AGN rows to.
    #[arg(long, conflicts_with = "lookup", required_unless_present = "lookup")]
    ebv: Option<f64>,
    /// Append the E(B-V) of each row's direction instead of reddening.
    #[arg(long)]
    lookup: bool,
    /// Column with the class labels (AGN rows are reddened).
    #[arg(long, default_value = schema::TRUE_CLASS)]
    class_column: String,
    /// HEALPix RING Galactic E(B-V) map (FITS) for --lookup [default: embedded SFD map].
    #[arg(long)]
    map: Option<PathBuf>,
    /// Right ascension column (ICRS degrees) for --lookup.
    #[arg(long, default_value = schema::RA)]
    ra: String,
    /// Declination column (ICRS degrees) for --lookup.
    #[arg(long, default_value = schema::DEC)]
    dec: String,
    /// The E(B-V) bins of --lookup.
    #[command(flatten)]
    bins: bin_args::BinArgs,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Input table ('-' for standard input).
    file: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    common::cli::run("redden", || {
        let out = if args.lookup {
            let map = SfdMap::open(args.map.as_deref())?;
            let t = Table::read(args.file.as_deref())?;
            lookup_table(&t, &map, &args.ra, &args.dec, &args.bins.binning()?)?
        } else {
            let t = data::training_set_table(args.file.as_deref())?;
            let ebv = args.ebv.unwrap_or_default();
            redden_table(&t, ebv, &args.class_column, &Absorption::embedded()?)?
        };
        out.write(Writer::create(args.output.as_deref())?)
    })
}
