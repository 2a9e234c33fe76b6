//! DS9 region files of a classified table (DS9 region format 4.1): one circle per
//! source at its ICRS position with the X-ray positional uncertainty as radius
//! (`CSCv2_PU`, the CSC 95% error-ellipse semi-major axis r0 in arcsec, spec 2),
//! coloured by Class and labelled with Class and CT, so that a field opens in DS9
//! with the classification over the image.

use std::fmt::Write;

use crate::aggregate::display_ct;
use crate::classes::{CLASS_COLORS, CLASSES, NO_CLASS_COLOR, hex_color};
use crate::classified::Classified;
use crate::error::Result;
use crate::schema::PU;
use crate::table::fmt_f64;

/// A text fit for a comment line: DS9 ends a region at `;` and at a line end, also in
/// comments.
fn comment(text: &str) -> String {
    text.replace(['\n', '\r', ';'], " ")
}

/// Which sources a region file holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selection {
    /// Every row of the table; a source without a result is grey, labelled `no class`.
    All,
    /// Only the confident classifications, CT >= the cut (paper 4.5, spec 8).
    Confident { ct_cut: f64 },
}

/// The region file of a classified table. Every selected source needs its positional
/// uncertainty: a region without a radius would hide that it is missing.
pub fn ds9_regions(table: &Classified, selection: Selection) -> Result<String> {
    let mut out = String::new();
    let what = match selection {
        Selection::All => "every source".to_string(),
        Selection::Confident { ct_cut } => format!("sources with CT >= {}", fmt_f64(ct_cut)),
    };
    let _ = writeln!(out, "# Region file format: DS9 version 4.1");
    let _ = writeln!(
        out,
        "# MUWCLASS classification of {}: {what}, circle radius {PU} (X-ray 95% positional uncertainty), label Class and CT",
        comment(table.file())
    );
    let _ = writeln!(
        out,
        "global color=green dashlist=8 3 width=1 font=\"helvetica 10 normal roman\" select=1 highlite=1 dash=0 fixed=0 edit=1 move=1 delete=1 include=1 source=1"
    );
    let _ = writeln!(out, "icrs");
    for s in &table.sources {
        let confident = s.summary.as_ref().is_some_and(|r| match selection {
            Selection::All => true,
            Selection::Confident { ct_cut } => r.ct >= ct_cut,
        });
        if !confident && selection != Selection::All {
            continue;
        }
        let pu = s.pu.ok_or_else(|| {
            table.error(
                s,
                PU,
                "missing value: a region's radius is the positional uncertainty",
            )
        })?;
        let (color, label, tag) = match &s.summary {
            Some(r) => (
                CLASS_COLORS[r.class],
                format!("{} CT={}", CLASSES[r.class], display_ct(r.ct)),
                CLASSES[r.class],
            ),
            None => (NO_CLASS_COLOR, "no class".to_string(), "no class"),
        };
        // The name on a comment line of its own: DS9 keeps no free text per region.
        let _ = writeln!(out, "# {}", comment(&s.name));
        let _ = writeln!(
            out,
            "circle({},{},{}\") # color={} text={{{label}}} tag={{{tag}}}",
            fmt_f64(s.ra),
            fmt_f64(s.dec),
            fmt_f64(pu),
            hex_color(color),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classified::test_table;

    fn classified(rows: &[&str]) -> Classified {
        test_table(&[], rows).unwrap()
    }

    #[test]
    fn circles_coloured_and_labelled_by_class_and_ct() {
        let t = classified(&[
            // AGN, CT 39.5
            "2CXO A,196.59058333333329,-60.72454444444445,0.79,0.9,0.1,0,0,0,0,0,0,0.01,0.01,0,0,0,0,0,0,39.5",
            // YSO, CT 1.2
            "2CXO B,196.6,-60.7,1.5,0.3,0,0,0,0,0,0,0.7,0.1,0,0,0,0,0,0,0.2,1.2",
            "2CXO C,196.7,-60.8,2,,,,,,,,,,,,,,,,,",
        ]);
        let all = ds9_regions(&t, Selection::All).unwrap();
        let lines: Vec<&str> = all.lines().collect();
        assert_eq!(lines[0], "# Region file format: DS9 version 4.1");
        assert_eq!(lines[3], "icrs");
        assert_eq!(lines[4], "# 2CXO A");
        assert_eq!(
            lines[5],
            "circle(196.59058333333329,-60.72454444444445,0.79\") # color=#1f77b4 text={AGN CT=39.50} tag={AGN}"
        );
        assert_eq!(
            lines[7],
            "circle(196.6,-60.7,1.5\") # color=#17becf text={YSO CT=1.20} tag={YSO}"
        );
        assert_eq!(
            lines[9],
            "circle(196.7,-60.8,2\") # color=#808080 text={no class} tag={no class}"
        );
        let ct = ds9_regions(&t, Selection::Confident { ct_cut: 2.0 }).unwrap();
        assert_eq!(ct.matches("circle(").count(), 1);
        assert!(ct.contains("# 2CXO A\ncircle(196.59058333333329,"));
        assert!(ct.contains("sources with CT >= 2, circle radius"));
        assert!(!ct.contains(';'));
    }

    #[test]
    fn a_missing_radius_is_an_error_naming_the_cell() {
        let t = classified(&["2CXO A,196.5,-60.7,,0.9,0.1,0,0,0,0,0,0,0.01,0.01,0,0,0,0,0,0,39.5"]);
        let e = ds9_regions(&t, Selection::All).unwrap_err().to_string();
        assert!(e.contains(":2: column 4 (CSCv2_PU): missing value"), "{e}");
    }
}
