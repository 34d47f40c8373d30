//! The Arabic→English sentence aligner.
