//! The Git half of Flux's source-controller as a library: resolving and checking out git
//! refs, ignore rules, reproducible artifact archives, and artifact storage served over HTTP.

pub mod artifact;
pub mod git;
pub mod ignore;
pub mod storage;
