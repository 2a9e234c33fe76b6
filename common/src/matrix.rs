//! A table as a learner sees it: the feature columns as a row-major matrix and the
//! class column as class indices. Shared by SMOTE and the forest.

use crate::classes::{CLASSES, class_index};
use crate::error::Result;
use crate::table::Table;

/// The feature columns of a table as a row-major matrix, missing = NaN. A column
/// that is absent or a cell that is not a number is an error naming it.
pub fn feature_matrix(table: &Table, features: &[&str]) -> Result<Vec<f64>> {
    let cols: Vec<usize> = features
        .iter()
        .map(|f| table.header.require(f))
        .collect::<Result<_>>()?;
    let mut x = Vec::with_capacity(table.len() * cols.len());
    for row in &table.rows {
        for &c in &cols {
            x.push(row.num(c)?.unwrap_or(f64::NAN));
        }
    }
    Ok(x)
}

/// The class indices (class order of [`CLASSES`]) of a table's class column; an
/// empty cell or an unknown label is an error naming the cell.
pub fn class_indices(table: &Table, column: &str) -> Result<Vec<u8>> {
    let col = table.header.require(column)?;
    table
        .rows
        .iter()
        .map(|row| {
            let label = row.text(col);
            class_index(label).map(|c| c as u8).ok_or_else(|| {
                row.error(
                    col,
                    format!("unknown class '{label}' (known: {})", CLASSES.join(", ")),
                )
            })
        })
        .collect()
}
