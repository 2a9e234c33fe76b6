//! SVG figures (written next).
