//! `multiplicity` (being built).
