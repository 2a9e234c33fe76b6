//! The format of the tables a tool writes (`--format`), for the tools whose output
//! people open in other programs. The formats and their names are the table
//! module's (`common::table::OutputFormat`).

use clap::Args;
use common::table::{OutputFormat, set_output_format};

#[derive(Args, Debug, Clone, Copy)]
pub struct FormatArgs {
    /// Format of the output table: csv, or votable (TABLEDATA with the units and UCDs
    /// of the project's columns; opens in TOPCAT).
    #[arg(long, value_name = "FORMAT", default_value = "csv", value_parser = parse)]
    pub format: OutputFormat,
}

fn parse(name: &str) -> Result<OutputFormat, String> {
    OutputFormat::parse(name).map_err(|e| e.to_string())
}

impl FormatArgs {
    /// Makes every table this process writes use the format.
    pub fn apply(self) {
        set_output_format(self.format);
    }
}
