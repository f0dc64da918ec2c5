//! Key lookups: where the store is opened from (its database key comes from `TFTSR_DB_KEY` or the
//! key file beside it, see `store::conn`), and the secret a redaction style needs.

use std::path::PathBuf;

use crate::engine::redact::Style;
use crate::store::{self, OpenOptions, Store};

/// How every caller opens the store: `db_path` (the editor's `databasePath` setting) or the data
/// directory's `tftsr.db`; the default encryption rule; the key from the environment or key file.
pub fn store_options(db_path: Option<PathBuf>) -> OpenOptions {
    OpenOptions {
        db_path,
        ..Default::default()
    }
}

/// Opens the store as every caller does (see [`store_options`]).
pub fn open_store(db_path: Option<PathBuf>) -> store::Result<Store> {
    Store::open(&store_options(db_path))
}

/// Why a redaction's key could not be had (the message names the step, never a key).
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the pseudonym style needs the local store for its secret: {0}")]
    Store(String),
    #[error("cannot read the pseudonym secret from the store: {0}")]
    Secret(store::StoreError),
}

/// The key a redaction in `style` needs: the store's pseudonym secret for `pseudonym` (generated
/// there on first use, so tokens are stable across runs and cannot be recomputed without the
/// store), zeros (unused) for the other styles, so the store is opened only when it must be.
/// `store` opens (or hands out an already open) store; its error is shown as it is.
pub fn redaction_key<S, E>(
    style: Style,
    store: impl FnOnce() -> Result<S, E>,
) -> Result<[u8; 32], KeyError>
where
    S: std::borrow::Borrow<Store>,
    E: std::fmt::Display,
{
    if style != Style::Pseudonym {
        return Ok([0; 32]);
    }
    let store = store().map_err(|e| KeyError::Store(e.to_string()))?;
    store.borrow().pseudonym_secret().map_err(KeyError::Secret)
}
