//! rflux's controllers: the reconcilers of Flux's kinds and the runtime they share (work
//! queue, watches, leader election, metrics, events).

pub mod events;
pub mod gitrepository;
pub mod helmchart;
pub mod helmrepository;
pub mod kustomization;
pub mod leader;
pub mod manager;
pub mod metrics;
pub mod ocirepository;
pub mod queue;
pub mod runner;
pub mod source;
pub mod status;
