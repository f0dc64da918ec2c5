//! The first SQLite use of a process, from several threads at once. SQLite marks itself
//! initialised *before* it runs SQLCipher's own initialisation (`SQLITE_EXTRA_INIT`), so a thread
//! opening a connection in between takes SQLite's fast path and its `PRAGMA key` fails ("PRAGMA key
//! requires a key of one or more characters", whatever the key): the
//! `store_api::audit_is_append_only_and_refuses_values` flake of issue 17. The store must finish
//! initialising SQLite before any connection.
//!
//! On its own the window is a few instructions wide. To make the test fail every time without the
//! fix, the child installs SQLite mutex methods (`SQLITE_CONFIG_MUTEX`) that forward to the
//! default ones and, once, hold the initialising thread for a moment exactly inside that window:
//! at its first entry of the main static mutex after SQLite reports itself initialised. The child
//! is a fresh process of this binary, since initialisation happens once per process.

use crate::helpers;

use std::cell::Cell;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Barrier, OnceLock};

use helpers::*;
use rusqlite::ffi;
use tftsr::store::Store;

const THREADS: usize = 4;
const CHILD_DIR: &str = "STORE_FIRST_OPEN_DIR";

/// Mutex methods forwarding to SQLite's own, holding the initialising thread once in the window.
mod hold_window {
    use super::*;

    static DEFAULT: OnceLock<ffi::sqlite3_mutex_methods> = OnceLock::new();
    static MAIN: AtomicPtr<ffi::sqlite3_mutex> = AtomicPtr::new(std::ptr::null_mut());
    /// `sqlite3GlobalConfig.pInitMutex`: the first recursive mutex allocated.
    static INIT_MUTEX: AtomicPtr<ffi::sqlite3_mutex> = AtomicPtr::new(std::ptr::null_mut());
    static HELD: AtomicBool = AtomicBool::new(false);
    thread_local! {
        /// This thread entered the init mutex while SQLite was not initialised: it initialises.
        static INITIALISER: Cell<bool> = const { Cell::new(false) };
    }

    fn default() -> &'static ffi::sqlite3_mutex_methods {
        DEFAULT.get().expect("installed")
    }

    /// `sqlite3_config` refuses to hand out the mutex methods once SQLite is initialised: a probe
    /// that reads `isInit` and changes nothing.
    fn sqlite_says_initialised() -> bool {
        let mut m = std::mem::MaybeUninit::<ffi::sqlite3_mutex_methods>::zeroed();
        // SAFETY: GETMUTEX writes one sqlite3_mutex_methods to the pointer, or nothing.
        let rc = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETMUTEX, m.as_mut_ptr()) };
        rc == ffi::SQLITE_MISUSE
    }

    unsafe extern "C" fn alloc(id: i32) -> *mut ffi::sqlite3_mutex {
        // SAFETY: forwarding SQLite's own call to its default implementation.
        let p = unsafe { default().xMutexAlloc.unwrap()(id) };
        if id == ffi::SQLITE_MUTEX_RECURSIVE {
            let _ = INIT_MUTEX.compare_exchange(
                std::ptr::null_mut(),
                p,
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
        }
        p
    }

    unsafe extern "C" fn enter(p: *mut ffi::sqlite3_mutex) {
        if p == MAIN.load(Ordering::SeqCst)
            && INITIALISER.get()
            && sqlite_says_initialised()
            && !HELD.swap(true, Ordering::SeqCst)
        {
            // Not a time-out: how long the window is held open. With the fix the other threads
            // wait however long this is; without it they fail as soon as they reach PRAGMA key.
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        // SAFETY: forwarding SQLite's own call to its default implementation.
        unsafe { default().xMutexEnter.unwrap()(p) };
        if p == INIT_MUTEX.load(Ordering::SeqCst) && !sqlite_says_initialised() {
            INITIALISER.set(true);
        }
    }

    /// Installs the forwarding methods. Must run before anything in the process uses SQLite.
    pub fn install() {
        // SAFETY: allocating a static mutex initialises only SQLite's mutex subsystem (so the
        // default methods can be read), not SQLite; SQLITE_CONFIG_MUTEX is allowed until then.
        unsafe {
            let main = ffi::sqlite3_mutex_alloc(ffi::SQLITE_MUTEX_STATIC_MAIN);
            assert!(!main.is_null());
            MAIN.store(main, Ordering::SeqCst);
            let mut d = std::mem::MaybeUninit::<ffi::sqlite3_mutex_methods>::zeroed();
            assert_eq!(
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETMUTEX, d.as_mut_ptr()),
                ffi::SQLITE_OK,
                "SQLite was already initialised"
            );
            let d = d.assume_init();
            DEFAULT.set(d).unwrap();
            let mut w = d;
            w.xMutexAlloc = Some(alloc);
            w.xMutexEnter = Some(enter);
            assert_eq!(
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MUTEX, &w as *const _),
                ffi::SQLITE_OK
            );
        }
    }

    pub fn was_held() -> bool {
        HELD.load(Ordering::SeqCst)
    }
}

/// Child mode: THREADS threads open THREADS encrypted stores at the same instant, as the
/// process's first use of SQLite. Run only by the parent below.
#[test]
#[ignore = "child process of first_opens_from_many_threads_all_succeed"]
fn first_open_child() {
    let dir = std::path::PathBuf::from(std::env::var_os(CHILD_DIR).expect("run by the parent"));
    hold_window::install();
    let go = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let go = go.clone();
            let db = db_in(&dir.join(i.to_string()));
            std::thread::spawn(move || {
                go.wait();
                Store::open(&enc_opts(&db))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    let errors: Vec<String> = threads
        .into_iter()
        .filter_map(|t| t.join().unwrap().err())
        .collect();
    assert!(hold_window::was_held(), "the window was never reached");
    assert!(
        errors.is_empty(),
        "{} of {THREADS} first opens failed: {errors:?}",
        errors.len()
    );
}

#[test]
fn first_opens_from_many_threads_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "first_open::first_open_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
