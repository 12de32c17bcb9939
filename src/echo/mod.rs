//! `echo` (being built).
