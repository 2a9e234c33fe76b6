//! `report`: one self-contained HTML page of a classified table.

use std::path::PathBuf;

use clap::Parser;
use common::classified::Classified;
use common::html::{PageOptions, field_page};
use common::schema::TRUE_CLASS;
use common::table::write_output;

#[derive(Parser)]
#[command(
    name = "report",
    about = "One self-contained HTML page of a classified table: summary, sky plot, sortable table of every source with its probabilities, errors and CT",
    long_about = "Writes one HTML page of a classified table (the output of classify, ctscore --join, \
or loocv | ctscore --aggregated) that opens in any browser without a network: styles, script \
and SVG figures inline. It shows the sources per class (all and CT >= --ct-cut), the sources \
on the sky coloured by Class, and a table of every source (sortable by any column) with P and \
e_P per class as numbers and bars, Class and CT. A table with the --truth column (LOOCV) also \
gets the confusion matrices and ROC curves.",
    after_help = "Example:\n  report out/ngc3532/classified.csv -o ngc3532.html\n  \
xdg-open 'ngc3532.html#sort=CT&desc'    # sorted by CT, largest first"
)]
struct Args {
    /// Classified table (default: stdin).
    file: Option<PathBuf>,
    /// The page (default: stdout), written atomically.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// CT cut of a confident classification (paper: 2).
    #[arg(long, default_value_t = common::aggregate::CT_CUT)]
    ct_cut: f64,
    /// Column of true class labels, used when present.
    #[arg(long, default_value = TRUE_CLASS)]
    truth: String,
    /// Page title (default: "MUWCLASS classification of <file>").
    #[arg(long)]
    title: Option<String>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    common::cli::run("report", || {
        let table = Classified::read(args.file.as_deref(), &args.truth)?;
        let page = field_page(
            &table,
            &PageOptions {
                ct_cut: args.ct_cut,
                title: args.title,
            },
        )?;
        write_output(args.output.as_deref(), page.as_bytes())
    })
}
