//! `fechner`: CSC per-observation detections to one row per source (spec section 1).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::fechner::{self, Options};
use common::table::Writer;

#[derive(Parser)]
#[command(
    about = "Average CSC per-observation detections into one row per source (Fechner \
             means, inverse-variance averages, P_intra, P_inter; Yang et al. 2022 eq. 1)",
    long_about = "Reads CSC per-observation rows (master columns, then per-observation \
columns whose names repeat a master name with a '.1' suffix) and writes one row per \
source in order of first appearance: CSCv2_name, usrid, CSCv2_RA, CSCv2_DEC (degrees), \
CSCv2_PU, CSCv2_S/N, Fs..e_Fb, P_intra, P_inter, CSCv2_flags and diagnostics. \
Detections are dropped for HRC, theta > 10' (or missing), saturation, pileup_warning > \
0.3, read-out streaks, or an (obsid, region_id, obi) shared by several master sources; \
sources are dropped for master saturation/streak flags or no flux in any band. \
Detections are grouped by the input's usrid column when it has one (CSCview's id of \
the queried position), else by name.",
    after_help = r#"Example:
  fechner examples/ic2395/input/per.csv -o ic2395_x.csv
  fechner --keep-all --verbose examples/ngc3532/input/per.csv > all.csv   # removed sources with remove_code, remove_reason"#
)]
struct Args {
    /// Per-observation CSV (standard input if absent or '-').
    file: Option<PathBuf>,
    #[command(flatten)]
    output: cli::Output,
    #[command(flatten)]
    format: cli::Format,
    /// Keep removed sources too, with remove_code and remove_reason columns.
    #[arg(long)]
    keep_all: bool,
    /// Group detections by name even when the input has a usrid column.
    #[arg(long)]
    by_name: bool,
    /// Print what was filtered to stderr.
    #[arg(short, long)]
    verbose: bool,
}

fn main() -> ExitCode {
    cli::main("fechner", |args: Args| {
        args.format.apply();
        let opts = Options {
            keep_all: args.keep_all,
            by_name: args.by_name,
        };
        let mut out = Writer::create(args.output.path())?;
        let s = fechner::run(args.file.as_deref(), &opts, &mut out)?;
        out.finish()?;
        if args.verbose {
            let bits = ["HRC", "theta", "saturated", "pileup", "streak", "shared"];
            let removed: Vec<String> = bits
                .iter()
                .zip(s.removed_by_bit)
                .filter(|(_, n)| *n > 0)
                .map(|(b, n)| format!("{b} {n}"))
                .collect();
            eprintln!(
                "fechner: {} detections, {} kept (removed: {}); {} sources, {} written",
                s.detections,
                s.detections_kept,
                if removed.is_empty() {
                    "none".to_string()
                } else {
                    removed.join(", ")
                },
                s.sources,
                s.sources_written
            );
        }
        Ok(())
    })
}
