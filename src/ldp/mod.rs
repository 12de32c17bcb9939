//! `ldp` (being built).
