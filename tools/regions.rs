//! `regions`: DS9 region files of a classified table.

use std::path::PathBuf;

use clap::Parser;
use common::classified::Classified;
use common::regions::{Selection, ds9_regions};
use common::schema::TRUE_CLASS;
use common::table::{write_atomically, write_output};

#[derive(Parser)]
#[command(
    name = "regions",
    about = "DS9 region files of a classified table: a circle of the X-ray positional uncertainty per source, coloured by Class, labelled with Class and CT",
    long_about = "Writes a DS9 region file (format 4.1, ICRS) of a classified table (the output of \
classify or ctscore --join): per source a circle at CSCv2_RA, CSCv2_DEC with radius CSCv2_PU \
(the CSC 95% error-ellipse r0, arcsec), coloured by Class, labelled `Class CT=...`, tagged by \
Class, the source name on the comment line before it. A source without a result is grey, \
labelled `no class`. --confident writes a second file with the sources of CT >= --ct-cut only.",
    after_help = r#"Example (a quick classification of the 3FGL J1306.4-6043 field, then its regions):
  d=examples/3fgl_j1306/input
  fechner $d/per.csv | xmatch --gaia $d/gaia.csv --2mass $d/2mass.csv --allwise $d/allwise.csv --catwise $d/catwise.csv --unwise $d/unwise.csv \
    | classify --mc 4 --quiet -o classified.csv
  regions classified.csv -o field.reg --confident field_ct2.reg   # ds9 image.fits -regions field.reg"#
)]
struct Args {
    /// Classified table (default: stdin).
    file: Option<PathBuf>,
    #[command(flatten)]
    output: cli::Output,
    /// Also write the sources with CT >= --ct-cut to this region file.
    #[arg(long)]
    confident: Option<PathBuf>,
    #[command(flatten)]
    ct_cut: cli::CtCut,
}

fn main() -> std::process::ExitCode {
    cli::main("regions", |args: Args| {
        let table = Classified::read(args.file.as_deref(), TRUE_CLASS)?;
        // Both files are made before either is written: a bad row leaves neither.
        let all = ds9_regions(&table, Selection::All)?;
        let confident = args
            .confident
            .as_ref()
            .map(|p| {
                ds9_regions(
                    &table,
                    Selection::Confident {
                        ct_cut: args.ct_cut.ct_cut,
                    },
                )
                .map(|r| (p, r))
            })
            .transpose()?;
        // The file of every source last: when it exists (make's target), so does the other.
        if let Some((path, regions)) = confident {
            write_atomically(path, regions.as_bytes())?;
        }
        write_output(args.output.path(), all.as_bytes())
    })
}
