//! Suite files: loading, validation, and the validated [`plan::Plan`].

pub mod plan;
