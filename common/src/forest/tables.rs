//! The forest on tables: what `rforest train` and `rforest predict` do with CSV.

use rayon::prelude::*;

use super::{Forest, ForestParams, Model};
use crate::classes::{CLASSES, N_CLASSES, argmax, prob_columns};
use crate::error::{Error, Result};
use crate::matrix::{class_indices, feature_matrix};
use crate::rng::StreamId;
use crate::table::{Table, Writer, fmt_f64};

/// `rforest train`: fits a forest on a (balanced) training table.
pub fn train_table(
    table: &Table,
    class_column: &str,
    features: &[&str],
    params: &ForestParams,
    id: StreamId,
) -> Result<Model> {
    let y = class_indices(table, class_column)?;
    let x = feature_matrix(table, features)?;
    let forest = Forest::fit(&x, features.len(), &y, N_CLASSES, params, id)?;
    Ok(Model::new(
        features.iter().map(|f| f.to_string()).collect(),
        CLASSES.iter().map(|c| c.to_string()).collect(),
        params.clone(),
        forest,
    ))
}

/// `rforest predict`: appends `P_<class>` (class order), `Class` (first most
/// probable) and `Class_prob` to every row. The model's features must all be columns.
pub fn predict_table(model: &Model, table: &Table, out: &mut Writer) -> Result<()> {
    let features: Vec<&str> = model.features.iter().map(String::as_str).collect();
    for f in &features {
        if table.header.find(f)?.is_none() {
            return Err(Error::input(
                table.header.at(Some(1), None),
                format!(
                    "missing column '{f}', a feature of the model (trained on {})",
                    model.features.join(",")
                ),
            ));
        }
    }
    let x = feature_matrix(table, &features)?;
    let n_features = features.len();
    let probs: Vec<Vec<f64>> = x
        .par_chunks(n_features.max(1))
        .map(|row| model.forest.predict_proba(row))
        .collect();
    let mut new: Vec<String> = if model.classes.iter().eq(CLASSES.iter()) {
        prob_columns()
    } else {
        model.classes.iter().map(|c| format!("P_{c}")).collect()
    };
    new.push("Class".to_string());
    new.push("Class_prob".to_string());
    let new_refs: Vec<&str> = new.iter().map(String::as_str).collect();
    let layout = table.header.extended(&new_refs)?;
    out.write_row(&layout.names)?;
    let mut values: Vec<String> = Vec::with_capacity(new.len());
    for (row, p) in table.rows.iter().zip(&probs) {
        values.clear();
        values.extend(p.iter().map(|&v| fmt_f64(v)));
        let best = argmax(p);
        values.push(model.classes[best].clone());
        values.push(fmt_f64(p[best]));
        out.write_row(layout.row(&row.record, &values))?;
    }
    Ok(())
}

/// Writes `feature,importance` rows.
pub fn write_importances(model: &Model, out: &mut Writer) -> Result<()> {
    out.write_row(["feature", "importance"])?;
    for (name, v) in model.features.iter().zip(model.forest.importances()) {
        out.write_row([name.as_str(), fmt_f64(v).as_str()])?;
    }
    Ok(())
}
