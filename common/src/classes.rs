//! The eight MUWCLASS classes, in the one order used everywhere: byte-wise (ASCII)
//! sorted labels, which is scikit-learn's `classes_` order and so the column order of
//! every probability table and the tie-break order of every argmax (spec, conventions).

pub const N_CLASSES: usize = 8;

pub const CLASSES: [&str; N_CLASSES] = [
    "AGN", "CV", "HM-STAR", "HMXB", "LM-STAR", "LMXB", "NS", "YSO",
];

/// The index of a class label. `NS_BIN` (non-accreting binaries with pulsars) is
/// relabelled `LMXB` before anything else, as the authors do (spec, conventions).
pub fn class_index(label: &str) -> Option<usize> {
    let label = label.trim();
    let label = if label == "NS_BIN" { "LMXB" } else { label };
    CLASSES.iter().position(|c| *c == label)
}

/// `P_<class>` column names in class order.
pub fn prob_columns() -> Vec<String> {
    CLASSES.iter().map(|c| format!("P_{c}")).collect()
}

/// `e_P_<class>` column names in class order.
pub fn prob_error_columns() -> Vec<String> {
    CLASSES.iter().map(|c| format!("e_P_{c}")).collect()
}

/// Index of the largest value, the first one on ties (numpy/scikit-learn argmax).
pub fn argmax(p: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in p.iter().enumerate() {
        if *v > p[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_order_and_relabel() {
        let mut sorted = CLASSES;
        sorted.sort_unstable();
        assert_eq!(sorted, CLASSES);
        assert_eq!(class_index("NS_BIN"), Some(5));
        assert_eq!(class_index(" YSO "), Some(7));
        assert_eq!(class_index("QSO"), None);
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
    }
}
