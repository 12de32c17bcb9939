//! `ordinal` (being built).
