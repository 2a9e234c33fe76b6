//! `xmatch`: multi-wavelength counterparts of X-ray sources (spec section 2).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::xmatch::{self, CatalogKind, Options, XrayColumns};

#[derive(Parser)]
#[command(
    about = "Add Gaia/2MASS/AllWISE/CatWISE/unWISE counterparts to an X-ray source table",
    long_about = "Add Gaia, 2MASS, AllWISE, CatWISE2020 and unWISE counterparts to an X-ray \
source table (MUWCLASS spec section 2). For each source and catalog: the nearest and \
second-nearest entries within --radius, X_PU (catalog PU, Gaia parallax/e_Plx/epsi terms \
and the X-ray PU in quadrature), cp_flag (accepted iff >= 0, i.e. separation <= X_PU), \
P_chance (1 - exp(-rho pi X_PU^2), rho from the authors' adaptive annulus), and the \
magnitudes of accepted counterparts (W1/W2: AllWISE > CatWISE > unWISE per match). \
Catalog files use VizieR column names, with or without the _<cat> suffix, and may hold \
a whole region of a catalog. All input columns pass through in order.",
    after_help = r#"Example (the 3FGL J1306.4-6043 field, its raw CSC and catalog extracts):
  d=examples/3fgl_j1306/input
  fechner $d/per.csv | xmatch --gaia $d/gaia.csv --2mass $d/2mass.csv --allwise $d/allwise.csv --catwise $d/catwise.csv --unwise $d/unwise.csv -o field.csv
  fechner $d/per.csv | xmatch --radius 5 --gaia $d/gaia.csv > field_gaia5.csv"#
)]
struct Args {
    /// X-ray table (CSV); standard input when absent or '-'.
    file: Option<PathBuf>,
    #[command(flatten)]
    output: cli::Output,
    #[command(flatten)]
    format: cli::Format,
    /// Gaia (I/355/gaiadr3 columns; rgeo, b_rgeo, B_rgeo carried when present).
    #[arg(long)]
    gaia: Option<PathBuf>,
    /// 2MASS point sources (II/246/out).
    #[arg(long = "2mass")]
    twomass: Option<PathBuf>,
    /// AllWISE (II/328/allwise).
    #[arg(long)]
    allwise: Option<PathBuf>,
    /// CatWISE2020 (II/365/catwise).
    #[arg(long)]
    catwise: Option<PathBuf>,
    /// unWISE (II/363/unwise); fluxes become Vega magnitudes.
    #[arg(long)]
    unwise: Option<PathBuf>,
    /// Cone radius for the nearest and second-nearest candidates, arcsec.
    #[arg(long, default_value_t = 10.0, value_parser = cli::positive, allow_negative_numbers = true)]
    radius: f64,
    #[command(flatten)]
    position: cli::Position,
    /// X-ray 2-sigma positional uncertainty column (arcsec, err_ellipse_r0).
    #[arg(long, value_name = "COLUMN", default_value = common::schema::PU)]
    pu: String,
}

fn main() -> ExitCode {
    cli::main("xmatch", |args: Args| {
        args.format.apply();
        let files: Vec<(CatalogKind, &std::path::Path)> = [
            (CatalogKind::Gaia, &args.gaia),
            (CatalogKind::TwoMass, &args.twomass),
            (CatalogKind::AllWise, &args.allwise),
            (CatalogKind::CatWise, &args.catwise),
            (CatalogKind::UnWise, &args.unwise),
        ]
        .into_iter()
        .filter_map(|(k, p)| p.as_deref().map(|p| (k, p)))
        .collect();
        if files.is_empty() {
            return Err(common::Error::invalid(
                "no catalog: give at least one of --gaia --2mass --allwise --catwise --unwise",
            ));
        }
        let cols = XrayColumns {
            ra: args.position.ra.clone(),
            dec: args.position.dec.clone(),
            pu: args.pu.clone(),
        };
        let opts = Options {
            radius: args.radius,
        };
        xmatch::run(
            args.file.as_deref(),
            args.output.path(),
            &files,
            &cols,
            &opts,
        )
    })
}
