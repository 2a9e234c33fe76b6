//! Photometric bands and their constants (paper Table 3 = spec section 11.1).

/// One optical/IR band: the magnitude column, the survey depth limit (a sampled
/// magnitude at or beyond it is missing, spec 3.5), the zero point f_zp in
/// erg s^-1 cm^-2 A^-1 and effective width W_eff in A (spec 4.5), the effective
/// wavelength in A and the Fitzpatrick (1999) R_V = 3.1 extinction A_lambda/E(B-V) (spec 3.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub name: &'static str,
    pub column: &'static str,
    pub error_column: &'static str,
    pub depth_limit: f64,
    pub f_zp: f64,
    pub lambda_eff: f64,
    pub w_eff: f64,
    pub a_over_ebv: f64,
}

pub(crate) const N_BANDS: usize = 9;

pub const BANDS: [Band; N_BANDS] = [
    band(
        "G",
        "Gmag",
        "e_Gmag",
        21.5,
        2.5e-9,
        5822.39,
        4052.97,
        2.8018851710,
    ),
    band(
        "BP",
        "BPmag",
        "e_BPmag",
        21.5,
        4.08e-9,
        5035.75,
        2157.50,
        3.4416532036,
    ),
    band(
        "RP",
        "RPmag",
        "e_RPmag",
        21.0,
        1.27e-9,
        7619.96,
        2924.44,
        1.8600572045,
    ),
    band(
        "J",
        "Jmag",
        "e_Jmag",
        18.5,
        3.13e-10,
        12350.0,
        1624.32,
        0.8123763084,
    ),
    band(
        "H",
        "Hmag",
        "e_Hmag",
        18.0,
        1.13e-10,
        16620.0,
        2509.40,
        0.5060721654,
    ),
    band(
        "K",
        "Kmag",
        "e_Kmag",
        17.0,
        4.28e-11,
        21590.0,
        2618.87,
        0.3471059086,
    ),
    band(
        "W1",
        "W1mag",
        "e_W1mag",
        18.5,
        8.18e-12,
        33526.0,
        6626.42,
        0.1984880532,
    ),
    band(
        "W2",
        "W2mag",
        "e_W2mag",
        17.5,
        2.42e-12,
        46028.0,
        10422.66,
        0.1384651477,
    ),
    band(
        "W3",
        "W3mag",
        "e_W3mag",
        14.5,
        6.52e-14,
        115608.0,
        55055.71,
        0.0528149007,
    ),
];

#[allow(clippy::too_many_arguments)]
const fn band(
    name: &'static str,
    column: &'static str,
    error_column: &'static str,
    depth_limit: f64,
    f_zp: f64,
    lambda_eff: f64,
    w_eff: f64,
    a_over_ebv: f64,
) -> Band {
    Band {
        name,
        column,
        error_column,
        depth_limit,
        f_zp,
        lambda_eff,
        w_eff,
        a_over_ebv,
    }
}

/// The Chandra energy bands in keV (spec 3.3, 11.2): soft, medium, hard, broad.
pub const XRAY_BANDS: [(&str, f64, f64); 4] = [
    ("s", 0.5, 1.2),
    ("m", 1.2, 2.0),
    ("h", 2.0, 7.0),
    ("b", 0.5, 7.0),
];

/// Table columns of the averaged X-ray fluxes (paper Appendix E names).
pub const FLUX_COLUMNS: [(&str, &str); 3] = [("Fs", "e_Fs"), ("Fm", "e_Fm"), ("Fh", "e_Fh")];
