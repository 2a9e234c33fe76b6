//! `query`: the archive queries that fetch a field's raw inputs (docs/archive-queries.md).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::query::{self, Target};
use common::table::Table;

#[derive(Parser)]
#[command(
    allow_negative_numbers = true,
    about = "Print (or run) the TAP queries that fetch a field's CSC detections and its \
             Gaia/2MASS/AllWISE/CatWISE/unWISE catalogs",
    long_about = "Prints, per service, the ADQL and the curl command that fetch what fechner \
and xmatch read: the CSC 2.1 per-observation detections of the field's master sources (CSC \
TAP), and the Gaia DR3, 2MASS, AllWISE, CatWISE2020 and unWISE entries within the match \
radius of every source (VizieR TAP), as VOTables saved to DIR/input/<name>.vot, where \
`make FIELD_DIR=DIR` reads them. The output is a shell script: `query ... | sh` runs it. \
With --run, query runs the commands itself and checks that every answer has the columns \
the tools need. The field is a cone (--ra --dec --radius) or a list of CSC sources \
(--sources: a table with CSCv2_name or name, and CSCv2_RA/CSCv2_DEC or ra/dec).",
    after_help = r#"Example (the NGC 3532 field):
  query --ra 166.28875 --dec -58.85 --radius 12 --dir ngc3532 > fetch.sh   # print the commands
  # with a network: sh fetch.sh && make FIELD_DIR=ngc3532   (or query ... --run)"#
)]
struct Args {
    /// Right ascension of the field's centre, degrees.
    #[arg(long, requires_all = ["dec", "radius"], conflicts_with = "sources")]
    ra: Option<f64>,
    /// Declination of the field's centre, degrees.
    #[arg(long, requires_all = ["ra", "radius"])]
    dec: Option<f64>,
    /// Radius of the field, arcmin.
    #[arg(long, requires_all = ["ra", "dec"])]
    radius: Option<f64>,
    /// A table of CSC sources to query instead of a cone.
    #[arg(long, required_unless_present = "ra")]
    sources: Option<PathBuf>,
    /// Catalog entries within this radius of a source are fetched, arcsec (xmatch's
    /// --radius).
    #[arg(long, default_value_t = common::xmatch::Options::default().radius)]
    match_radius: f64,
    /// The field's directory: answers go to DIR/input/<name>.vot.
    #[arg(long, default_value = "field")]
    dir: PathBuf,
    /// Run the commands (needs curl and a network) instead of printing them.
    #[arg(long)]
    run: bool,
}

fn main() -> ExitCode {
    cli::main("query", |args: Args| {
        let target = match (&args.sources, args.ra, args.dec, args.radius) {
            (Some(path), ..) => {
                Target::Sources(query::sources_from_table(&Table::read(Some(path))?)?)
            }
            (None, Some(ra), Some(dec), Some(radius)) => Target::Cone { ra, dec, radius },
            _ => {
                return Err(common::Error::invalid(
                    "give --ra --dec --radius, or --sources",
                ));
            }
        };
        let requests = query::requests(&target, args.match_radius)?;
        if args.run {
            for (path, rows) in query::run(&requests, &args.dir)? {
                eprintln!("query: {path}: {rows} rows");
            }
        } else {
            print!("{}", query::script(&requests, &args.dir));
        }
        Ok(())
    })
}
