//! `features`: the 29 classifier features of every row (spec 3.5, 4).

use std::path::PathBuf;

use clap::Parser;
use common::features::{RANDOM_FEATURE, features_table, features_table_with_baseline};
use common::rng::StreamId;
use common::schema::FEATURE_NAMES;
use common::table::{Table, Writer};

#[derive(Parser)]
#[command(
    name = "features",
    about = "Append the 29 MUWCLASS features (spec 4.2) to a table of fluxes and magnitudes",
    long_about = "Applies the survey depth cut (a magnitude at or beyond its limit is \
missing; so is a magnitude without error), then appends log10(F/Fb) of the X-ray bands, \
log10(Fb), the hardness ratios, P_inter, P_intra, log10(F/Fb) of G..W2 and the twelve \
colours. Missing features are empty cells. Usually fed by mcsample.",
    after_help = r#"Example:
  redden --ebv 0.5 | mcsample --seed 1 --replica 0 | features > td_r0.csv
  standardize --fit td_r0.csv td_r0.csv > td_r0_std.csv
  features --list | paste -sd,          # the feature columns, for external programs"#
)]
struct Args {
    #[command(flatten)]
    output: cli::Output,
    /// Input table [default: standard input].
    file: Option<PathBuf>,
    /// Also append a `random` column, U(0,1) per source: the baseline that an
    /// informative feature's importance must beat (paper Fig. 4).
    #[arg(long)]
    random_feature: bool,
    /// Seed of the random feature.
    #[arg(long, default_value_t = 1, requires = "random_feature")]
    seed: u64,
    /// Print the feature names in column order, one per line, and read nothing:
    /// the one list that external programs in the pipeline take their columns from.
    #[arg(long, conflicts_with_all = ["file", "output"])]
    list: bool,
}

fn main() -> std::process::ExitCode {
    cli::main("features", |args: Args| {
        if args.list {
            let mut out = Writer::create(None)?;
            let random = args.random_feature.then_some(RANDOM_FEATURE);
            for name in FEATURE_NAMES.iter().copied().chain(random) {
                out.write_row([name])?;
            }
            return out.finish();
        }
        let t = Table::read(args.file.as_deref())?;
        let out = if args.random_feature {
            features_table_with_baseline(&t, StreamId::new(args.seed))?
        } else {
            features_table(&t)?
        };
        out.write(Writer::create(args.output.path())?)
    })
}
