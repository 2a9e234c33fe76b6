//! `ebvbins`: splits a table into its E(B-V) bins (paper 3.3, spec 3.6), one file per
//! bin, so that make can run every (bin, replica) as its own target.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::bins::ebv_bins;
use common::schema::EBV;
use common::table::{Table, Writer, fmt_num};
use common::{Error, Result};

#[derive(Parser)]
#[command(
    about = "Split a table with an `ebv` column into its E(B-V) bins, one CSV per bin",
    long_about = "Groups the rows of a table by E(B-V) bin, floor(ebv / width), writes each \
bin's rows (all columns, table order) to DIR/<bin>.csv and prints one line per non-empty bin: \
bin, n, mean_ebv (the mean E(B-V) of the members, to which the training AGNs are reddened), file. \
With --bin-rel F the bins widen with E(B-V) (max(0.025, F x E(B-V))) and the index is the bin's \
rank; give redden --lookup the same option.",
    after_help = r#"Example (the training set reddened to each bin's mean E(B-V)):
  head -n 51 examples/hess/hess_fields.csv | redden --lookup | ebvbins --dir bins > bins.csv
  while IFS=, read bin n ebv file; do redden --ebv $ebv > td_$bin.csv; done < <(tail -n +2 bins.csv)"#
)]
struct Args {
    /// Table with an `ebv` column (the output of `redden --lookup`; default: stdin).
    file: Option<PathBuf>,
    /// Directory for the per-bin tables.
    #[arg(long)]
    dir: PathBuf,
    #[command(flatten)]
    bins: cli::Bins,
    #[command(flatten)]
    output: cli::Output,
}

fn main() -> ExitCode {
    cli::main("ebvbins", |args: Args| run(&args))
}

fn run(args: &Args) -> Result<()> {
    let table = Table::read(args.file.as_deref())?;
    let col = table.header.require(EBV)?;
    let ebv = table
        .rows
        .iter()
        .map(|r| r.num_required(col))
        .collect::<Result<Vec<f64>>>()?;
    let dir_name = args.dir.display().to_string();
    std::fs::create_dir_all(&args.dir).map_err(|e| Error::io(&dir_name, e))?;
    let mut list = Writer::create(args.output.path())?;
    list.write_row(["bin", "n", "mean_ebv", "file"])?;
    for bin in ebv_bins(&ebv, &args.bins.binning()?) {
        let path = args.dir.join(format!("{}.csv", bin.index));
        let mut w = Writer::create(Some(&path))?;
        w.write_row(table.header.names())?;
        for &row in &bin.rows {
            w.write_row(&table.rows[row].record)?;
        }
        w.finish()?;
        list.write_row([
            bin.index.to_string(),
            bin.rows.len().to_string(),
            fmt_num(Some(bin.mean_ebv)),
            path.display().to_string(),
        ])?;
    }
    list.finish()
}
