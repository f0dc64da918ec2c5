//! One file per request family. Each handler takes the session (and the request's parameters)
//! and answers in protocol types; `backend.rs` routes the `LanguageServer` methods here, and
//! `ordered.rs` the document notifications (applied synchronously, in arrival order).

pub mod ai;
mod args;
pub mod code_actions;
pub mod commands;
pub mod configuration;
pub mod documents;
pub mod incident;
pub mod issues;
pub mod lifecycle;
