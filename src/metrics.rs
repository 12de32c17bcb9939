//! Rare-event classification metrics (being built).
