//! The virtual network: a namespace and TUN device per node, joined by a
//! userspace [`Switch`].

pub mod capture;
pub mod counters;
pub mod ifconfig;
pub mod links;
pub mod namespace;
pub mod offload;
pub mod port;
pub mod subnet;
pub mod switch;

pub use links::LinkMatrix;
pub use namespace::NodeNamespace;
pub use port::{Offload, Port};
pub use subnet::Subnet;
pub use switch::Switch;
