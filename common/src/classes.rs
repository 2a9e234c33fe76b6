//! The eight MUWCLASS classes, in the one order used everywhere: byte-wise (ASCII)
//! sorted labels, which is scikit-learn's `classes_` order and so the column order of
//! every probability table and the tie-break order of every argmax (spec, conventions).

pub const N_CLASSES: usize = 8;

pub const CLASSES: [&str; N_CLASSES] = [
    "AGN", "CV", "HM-STAR", "HMXB", "LM-STAR", "LMXB", "NS", "YSO",
];

/// One colour per class (sRGB, by class index), the same in every figure, region file
/// and page, so that a class looks alike everywhere: distinguishable and print-safe.
pub const CLASS_COLORS: [(u8, u8, u8); N_CLASSES] = [
    (31, 119, 180),  // AGN
    (255, 127, 14),  // CV
    (44, 160, 44),   // HM-STAR
    (214, 39, 40),   // HMXB
    (148, 103, 189), // LM-STAR
    (140, 86, 75),   // LMXB
    (227, 119, 194), // NS
    (23, 190, 207),  // YSO
];

/// The colour of a source without a classification.
pub(crate) const NO_CLASS_COLOR: (u8, u8, u8) = (128, 128, 128);

/// A colour as `#rrggbb` (DS9, HTML and SVG all read it).
pub(crate) fn hex_color((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The index of a class label. `NS_BIN` (non-accreting binaries with pulsars) is
/// relabelled `LMXB` before anything else, as the authors do (spec, conventions).
pub fn class_index(label: &str) -> Option<usize> {
    let label = label.trim();
    let label = if label == "NS_BIN" { "LMXB" } else { label };
    CLASSES.iter().position(|c| *c == label)
}

/// `P_<class>` column names in class order.
pub(crate) fn prob_columns() -> Vec<String> {
    CLASSES.iter().map(|c| format!("P_{c}")).collect()
}

/// `e_P_<class>` column names in class order.
pub(crate) fn prob_error_columns() -> Vec<String> {
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
        assert_eq!(hex_color(CLASS_COLORS[0]), "#1f77b4");
        assert_eq!(hex_color(NO_CLASS_COLOR), "#808080");
    }
}
