//! `expfam` (being built).
