//! The invariants every target checks, shared with the normal test suite (which replays the
//! committed seeds and every crash ever found through the same functions).

#[path = "../../tests/common/fuzz_engine.rs"]
pub mod fuzz_engine;
#[path = "../../tests/common/fuzz_server.rs"]
pub mod fuzz_server;

/// The transport target's server writes an audit entry when a code action is resolved: point
/// the store at a scratch directory, once, before the first input (this process is the
/// fuzzer's own; no test thread shares its environment).
pub fn scratch_data_dir() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = std::env::temp_dir().join(format!("tftsr-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch data directory");
        std::env::set_var("TFTSR_DATA_DIR", &dir);
    });
}
