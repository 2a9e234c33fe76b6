//! The short summary a user reads after classifying a field: sources per class, how
//! many are confident (CT >= cut), and which sources are also training sources.

use std::collections::HashMap;
use std::fmt::Write;

use crate::aggregate::Summary;
use crate::classes::{CLASSES, N_CLASSES};
use crate::schema::TRUE_CLASS;
use crate::sources::Sources;

/// Sources per class, all and confident (CT >= cut); `classes[i]`/`ct[i]` are None for
/// a source without a classification.
pub(crate) fn class_counts(
    classes: &[Option<usize>],
    ct: &[Option<f64>],
    ct_cut: f64,
) -> ([usize; N_CLASSES], [usize; N_CLASSES]) {
    let mut all = [0usize; N_CLASSES];
    let mut confident = [0usize; N_CLASSES];
    for (c, t) in classes.iter().zip(ct) {
        if let Some(c) = c {
            all[*c] += 1;
            if t.is_some_and(|t| t >= ct_cut) {
                confident[*c] += 1;
            }
        }
    }
    (all, confident)
}

/// The summary as text: sources per class, all and CT >= cut.
pub(crate) fn class_summary(classes: &[Option<usize>], ct: &[Option<f64>], ct_cut: f64) -> String {
    let (all, confident) = class_counts(classes, ct, ct_cut);
    let n: usize = all.iter().sum();
    let n_conf: usize = confident.iter().sum();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<8} {:>7} {:>8}",
        "class",
        "sources",
        format!("CT>={ct_cut}")
    );
    for c in 0..N_CLASSES {
        let _ = writeln!(s, "{:<8} {:>7} {:>8}", CLASSES[c], all[c], confident[c]);
    }
    let _ = writeln!(s, "{:<8} {:>7} {:>8}", "all", n, n_conf);
    let unclassified = classes.len() - n;
    if unclassified > 0 {
        let _ = writeln!(s, "{unclassified} sources without a classification");
    }
    s
}

/// Sources of a field that are also in the training set, with their literature class:
/// (field row, name, class). They are classified like the others, and reported.
pub(crate) fn training_overlap<'a>(
    field_names: &'a [String],
    td_names: &[String],
    td_classes: &[Option<usize>],
) -> Vec<(usize, &'a str, &'static str)> {
    let td: HashMap<&str, Option<usize>> = td_names
        .iter()
        .map(|n| n.trim())
        .zip(td_classes.iter().copied())
        .collect();
    field_names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            td.get(n.trim())
                .map(|c| (i, n.as_str(), c.map_or("?", |c| CLASSES[c])))
        })
        .collect()
}

/// The class summary of a classified table (`results[i]` is None for a source
/// without replicas) and its sources that are also training sources: reported, never
/// dropped. Each overlap line starts with `tool: `.
pub(crate) fn results_report(
    tool: &str,
    ids: &[String],
    results: &[Option<&Summary>],
    td: &Sources,
    ct_cut: f64,
) -> String {
    let classes: Vec<_> = results.iter().map(|s| s.map(|s| s.class)).collect();
    let cts: Vec<_> = results.iter().map(|s| s.map(|s| s.ct)).collect();
    let mut text = class_summary(&classes, &cts, ct_cut);
    for (_, name, class) in training_overlap(ids, &td.names, &td.class) {
        let _ = writeln!(
            text,
            "{tool}: {name} is also a training source ({TRUE_CLASS} {class}); classified like the others"
        );
    }
    text
}

/// What `classify` prints on stderr after a run: its size, then [`results_report`].
pub fn classified_report(
    tool: &str,
    names: &[String],
    summaries: &[Summary],
    bins: usize,
    replicas: usize,
    td: &Sources,
    ct_cut: f64,
) -> String {
    let results: Vec<Option<&Summary>> = summaries.iter().map(Some).collect();
    format!(
        "{tool}: {} sources in {bins} E(B-V) bins, {replicas} replicas each\n{}",
        names.len(),
        results_report(tool, names, &results, td, ct_cut)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_overlap() {
        let s = class_summary(
            &[Some(0), Some(0), Some(7), None],
            &[Some(3.0), Some(1.0), Some(2.0), None],
            2.0,
        );
        assert!(s.contains("AGN            2        1"), "{s}");
        assert!(s.contains("YSO            1        1"), "{s}");
        assert!(s.contains("all            3        2"), "{s}");
        assert!(s.contains("1 sources without"), "{s}");
        let field = vec!["a".to_string(), "b".to_string()];
        let td = vec!["b".to_string()];
        assert_eq!(
            training_overlap(&field, &td, &[Some(4)]),
            vec![(1, "b", "LM-STAR")]
        );
    }
}
