//! Units (VOUnits) and UCDs (IVOA UCD1+) of the columns the project defines, written
//! into VOTable output so that TOPCAT shows them. Columns not listed here (passed
//! through from a user's table) are written without.

/// (unit, UCD) of a column by name; `None` for a column the project does not define.
pub(crate) fn unit_ucd(name: &str) -> Option<(&'static str, &'static str)> {
    const FLUX: &str = "erg.s-1.cm-2";
    let exact = match name {
        "CSCv2_name" => ("", "meta.id;meta.main"),
        "CSCv2_RA" => ("deg", "pos.eq.ra;meta.main"),
        "CSCv2_DEC" => ("deg", "pos.eq.dec;meta.main"),
        "CSCv2_PU" => ("arcsec", "stat.error;pos"),
        "err_ellipse_r1" => ("arcsec", "stat.error;pos"),
        "err_ellipse_ang" => ("deg", "pos.posAng"),
        "CSCv2_S/N" | "significance_max" | "flux_significance_b_max" => ("", "stat.snr"),
        "Fs" | "Fm" | "Fh" | "Fb" => (FLUX, "phot.flux;em.X-ray"),
        "e_Fs" | "e_Fm" | "e_Fh" | "e_Fb" => (FLUX, "stat.error;phot.flux;em.X-ray"),
        "P_intra" | "P_inter" => ("", "stat.probability;src.var"),
        "CSCv2_flags" | "flux_flag" => ("", "meta.code"),
        "n_det" | "n_obs" => ("", "meta.number"),
        "dof" => ("", "stat.fit.dof"),
        "chisqr" => ("", "stat.fit.chi2"),
        "nh_gal" => ("", "phys.columnDensity"),
        "Gmag" => ("mag", "phot.mag;em.opt"),
        "BPmag" => ("mag", "phot.mag;em.opt.B"),
        "RPmag" => ("mag", "phot.mag;em.opt.R"),
        "Jmag" => ("mag", "phot.mag;em.IR.J"),
        "Hmag" => ("mag", "phot.mag;em.IR.H"),
        "Kmag" => ("mag", "phot.mag;em.IR.K"),
        "W1mag" => ("mag", "phot.mag;em.IR.3-4um"),
        "W2mag" => ("mag", "phot.mag;em.IR.4-8um"),
        "W3mag" => ("mag", "phot.mag;em.IR.8-15um"),
        "e_Gmag" => ("mag", "stat.error;phot.mag;em.opt"),
        "e_BPmag" => ("mag", "stat.error;phot.mag;em.opt.B"),
        "e_RPmag" => ("mag", "stat.error;phot.mag;em.opt.R"),
        "e_Jmag" => ("mag", "stat.error;phot.mag;em.IR.J"),
        "e_Hmag" => ("mag", "stat.error;phot.mag;em.IR.H"),
        "e_Kmag" => ("mag", "stat.error;phot.mag;em.IR.K"),
        "e_W1mag" => ("mag", "stat.error;phot.mag;em.IR.3-4um"),
        "e_W2mag" => ("mag", "stat.error;phot.mag;em.IR.4-8um"),
        "e_W3mag" => ("mag", "stat.error;phot.mag;em.IR.8-15um"),
        "Plx" => ("mas", "pos.parallax"),
        "e_Plx" => ("mas", "stat.error;pos.parallax"),
        "PM" => ("mas.yr-1", "pos.pm"),
        "rgeo" => ("pc", "pos.distance"),
        "b_rgeo" => ("pc", "stat.min;pos.distance"),
        "B_rgeo" => ("pc", "stat.max;pos.distance"),
        "which_wise12" => ("", "meta.code"),
        "ebv" => ("mag", "phot.color.excess"),
        "ebv_bin" => ("", "meta.code"),
        "Class" | "True_Class" => ("", "src.class"),
        "Class_prob" => ("", "stat.probability"),
        "e_Class_prob" => ("", "stat.error;stat.probability"),
        "CT" => ("", "stat.value"),
        _ => ("", ""),
    };
    if !exact.1.is_empty() {
        return Some(exact);
    }
    if name.starts_with("e_P_") {
        return Some(("", "stat.error;stat.probability"));
    }
    if name.starts_with("P_") {
        return Some(("", "stat.probability"));
    }
    // The per-catalog columns of xmatch: <what>_<catalog>.
    let (what, _) = name.rsplit_once('_')?;
    Some(match what {
        "id" => ("", "meta.id.cross"),
        "sep" | "sep2" => ("arcsec", "pos.angDistance"),
        "X_PU" => ("arcsec", "stat.error;pos"),
        "cp_flag" => ("", "meta.code"),
        "P_chance" => ("", "stat.probability"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_columns_have_units_and_ucds() {
        assert_eq!(unit_ucd("CSCv2_RA"), Some(("deg", "pos.eq.ra;meta.main")));
        assert_eq!(
            unit_ucd("e_Fb"),
            Some(("erg.s-1.cm-2", "stat.error;phot.flux;em.X-ray"))
        );
        assert_eq!(unit_ucd("sep_gaia"), Some(("arcsec", "pos.angDistance")));
        assert_eq!(unit_ucd("P_chance_unwise"), Some(("", "stat.probability")));
        assert_eq!(unit_ucd("P_AGN"), Some(("", "stat.probability")));
        assert_eq!(
            unit_ucd("e_P_YSO"),
            Some(("", "stat.error;stat.probability"))
        );
        assert_eq!(unit_ucd("obsid"), None);
        assert_eq!(unit_ucd("flux_aper90_b"), None);
    }
}
