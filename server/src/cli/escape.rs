//! The escaping of human output lives in `app::escape` (the language server's messages use it
//! too); re-exported here for the CLI's printers.

pub use crate::app::escape::{name, text};
