//! `sparse` (being built).
