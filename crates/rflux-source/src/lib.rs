//! Flux's source-controller as a library: Helm repository indexes and charts, chart
//! version ranges, and OCI artifacts (OCIRepository and OCI Helm repositories).

pub mod helm_chart;
pub mod helm_index;
pub mod oci;
pub mod version_range;
