//! A runner for helm-unittest suites (`tests/**/*_test.yaml` of a chart) on rflux-helm's
//! renderer, following helm-unittest's own semantics (github.com/helm-unittest/helm-unittest,
//! `pkg/unittest`, and its path library github.com/helm-unittest/yaml-jsonpath): [`suite`]
//! reads a suite and runs a test, [`values`] builds the values from `set`, [`path`] resolves
//! assertion paths, [`asserts`] holds the assertion types. What the runner does not
//! implement fails the test that uses it.

pub mod asserts;
pub mod path;
pub mod suite;
pub mod values;
