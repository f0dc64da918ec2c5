//! `settings`: key/value configuration kept inside the encrypted file, and the pseudonym secret.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::error::{Result, StoreError};
use super::models::AuditAction;
use super::{now_text, Store};

/// Name of the settings row holding the pseudonym secret; not reachable through `setting()`.
pub(crate) const PSEUDONYM_SECRET_KEY: &str = "pseudonym_secret";

impl Store {
    fn setting_in(&self, c: &Connection, key: &str) -> Result<Option<String>> {
        c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(self.err("reading a setting"))
    }

    /// The secret of the `pseudonym` redaction style: 32 random bytes generated on first use and
    /// kept in `settings` (inside the encrypted file), so tokens stay stable across runs.
    pub fn pseudonym_secret(&self) -> Result<[u8; 32]> {
        let decode = |hex_text: &str| -> Result<[u8; 32]> {
            let mut out = [0u8; 32];
            hex::decode_to_slice(hex_text.trim(), &mut out).map_err(|_| StoreError::Invalid {
                field: "pseudonym secret",
                message: "the stored secret is malformed".into(),
            })?;
            Ok(out)
        };
        if let Some(v) = self.setting_in(&self.conn(), PSEUDONYM_SECRET_KEY)? {
            return decode(&v);
        }
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        // Re-read under the write lock: another process may have just created it.
        if let Some(v) = self.setting_in(&tx, PSEUDONYM_SECRET_KEY)? {
            return decode(&v);
        }
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).map_err(|_| StoreError::Invalid {
            field: "pseudonym secret",
            message: "the OS random source failed".into(),
        })?;
        tx.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)",
            params![PSEUDONYM_SECRET_KEY, hex::encode(raw), now_text()],
        )
        .map_err(self.err("storing the pseudonym secret"))?;
        self.insert_audit(
            &tx,
            AuditAction::SettingsChange,
            PSEUDONYM_SECRET_KEY,
            &json!({"generated": true}),
        )?;
        tx.commit().map_err(self.err("committing a setting"))?;
        Ok(raw)
    }

    fn check_setting_key(key: &str) -> Result<()> {
        if key == PSEUDONYM_SECRET_KEY {
            return Err(StoreError::Invalid {
                field: "setting",
                message: format!("`{key}` is reserved (use pseudonym_secret())"),
            });
        }
        if key.is_empty() {
            return Err(StoreError::Invalid {
                field: "setting",
                message: "the key is empty".into(),
            });
        }
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Self::check_setting_key(key)?;
        self.setting_in(&self.conn(), key)
    }

    /// Sets a setting (audited as `settings_change`, with the key as the entity id, not the value).
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        Self::check_setting_key(key)?;
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        tx.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, value, now_text()],
        )
        .map_err(self.err("storing a setting"))?;
        self.insert_audit(&tx, AuditAction::SettingsChange, key, &json!({}))?;
        tx.commit().map_err(self.err("committing a setting"))
    }
}
