//! Flux's source-controller as a library: Git refs resolved and checked out, ignore rules,
//! reproducible artifact archives and their storage served over HTTP; Helm repository indexes
//! and charts with Helm's version ranges; OCI artifacts (OCIRepository and OCI Helm
//! repositories).

pub mod artifact;
pub mod git;
pub mod helm_chart;
pub mod helm_index;
pub mod ignore;
pub mod oci;
pub mod storage;
