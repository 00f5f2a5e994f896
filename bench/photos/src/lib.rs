//! `make bench-photos`: resize-image against sharp on the same photos, timed on the release
//! build Lambda runs, and compared at equal SSIMULACRA2 (a rate–distortion comparison, so a
//! smaller file cannot win by looking worse). See docs/photos.md, "Benchmark".

pub mod rd;
pub mod run;
pub mod score;
pub mod tune;
