//! `report`: one self-contained HTML page of a classified table.

use std::path::PathBuf;

use clap::Parser;
use common::classified::Classified;
use common::html::{PageOptions, field_page};
use common::table::write_output;

#[derive(Parser)]
#[command(
    name = "report",
    about = "One self-contained HTML page of a classified table: summary, sky plot, sortable table of every source with its probabilities, errors and CT",
    long_about = "Writes one HTML page of a classified table (the output of classify, ctscore --join, \
or loocv | ctscore --aggregated) that opens in any browser without a network: styles, script \
and SVG figures inline. It shows the sources per class (all and CT >= --ct-cut), the sources \
on the sky coloured by Class, and a table of every source (sortable by any column) with P and \
e_P per class as numbers and bars, Class and CT. A table with the --class-column column (LOOCV) also \
gets the confusion matrices and ROC curves.",
    after_help = r#"Example (a quick classification of the 3FGL J1306.4-6043 field, then its page):
  d=examples/3fgl_j1306/input
  fechner $d/per.csv | xmatch --gaia $d/gaia.csv --2mass $d/2mass.csv --allwise $d/allwise.csv --catwise $d/catwise.csv --unwise $d/unwise.csv \
    | classify --mc 4 --quiet -o classified.csv
  report classified.csv -o field.html     # open 'field.html#sort=CT&desc': sorted by CT, largest first"#
)]
struct Args {
    /// Classified table (default: stdin).
    file: Option<PathBuf>,
    #[command(flatten)]
    output: cli::Output,
    #[command(flatten)]
    ct_cut: cli::CtCut,
    /// (The class column is used when the table has it: a LOOCV table.)
    #[command(flatten)]
    class_column: cli::ClassColumn,
    /// Page title (default: "MUWCLASS classification of <file>").
    #[arg(long)]
    title: Option<String>,
}

fn main() -> std::process::ExitCode {
    cli::main("report", |args: Args| {
        let table = Classified::read(args.file.as_deref(), &args.class_column.class_column)?;
        let page = field_page(
            &table,
            &PageOptions {
                ct_cut: args.ct_cut.ct_cut,
                title: args.title,
            },
        )?;
        write_output(args.output.path(), page.as_bytes())
    })
}
