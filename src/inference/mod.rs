//! `inference` (being built).
