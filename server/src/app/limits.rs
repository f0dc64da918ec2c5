//! Limits of a long file operation started from the editor (the server's `tftsr.scanFile` and
//! attach of a file): a size cap on the bytes read (after decompression, so a small gzip bomb is
//! stopped too), progress after each chunk, and cancellation. Checked once per chunk of the
//! stream, so a stop comes within one chunk's work; the caller's output is then abandoned as on
//! any error (the temporary file removed, the store's transaction rolled back).

use std::sync::atomic::{AtomicBool, Ordering};

/// What a limited operation is held to.
pub struct Limits<'a> {
    /// At most this many bytes of input are read (after decompression); `None`: no cap.
    pub max_bytes: Option<u64>,
    /// Set (by another thread) to stop at the next chunk.
    pub cancel: &'a AtomicBool,
    /// Told the number of input bytes read so far, after each chunk.
    pub progress: &'a (dyn Fn(u64) + Sync),
}

/// Why a limited operation stopped before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    /// The input is larger than the cap (in bytes).
    #[error("the input is larger than the limit of {}", size_text(*.0))]
    TooLarge(u64),
    #[error("cancelled")]
    Cancelled,
}

impl Limits<'_> {
    /// Refuses an input whose size is known to be over the cap before anything is read.
    pub fn check_size(&self, size: u64) -> Result<(), Stopped> {
        match self.max_bytes {
            Some(cap) if size > cap => Err(Stopped::TooLarge(cap)),
            _ => Ok(()),
        }
    }

    /// After a chunk: `read` bytes of input so far. Reports progress, then stops on a cancel or
    /// an input over the cap.
    pub fn at(&self, read: u64) -> Result<(), Stopped> {
        (self.progress)(read);
        if self.cancel.load(Ordering::SeqCst) {
            return Err(Stopped::Cancelled);
        }
        self.check_size(read)
    }
}

/// `1 GiB`, `512 MiB`, `1000 bytes`: a cap as a person reads it.
pub fn size_text(bytes: u64) -> String {
    const UNITS: [(&str, u32); 3] = [("GiB", 30), ("MiB", 20), ("KiB", 10)];
    for (unit, shift) in UNITS {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_read_as_people_write_them() {
        assert_eq!(size_text(1 << 30), "1 GiB");
        assert_eq!(size_text(3 << 20), "3 MiB");
        assert_eq!(size_text(1536), "1536 bytes");
        assert_eq!(size_text(2048), "2 KiB");
    }

    #[test]
    fn a_chunk_over_the_cap_or_after_a_cancel_stops() {
        let cancel = AtomicBool::new(false);
        let seen = std::sync::Mutex::new(Vec::new());
        let progress = |n: u64| seen.lock().unwrap().push(n);
        let l = Limits {
            max_bytes: Some(100),
            cancel: &cancel,
            progress: &progress,
        };
        assert_eq!(l.at(50), Ok(()));
        assert_eq!(l.at(101), Err(Stopped::TooLarge(100)));
        cancel.store(true, Ordering::SeqCst);
        assert_eq!(l.at(60), Err(Stopped::Cancelled));
        assert_eq!(*seen.lock().unwrap(), vec![50, 101, 60]);
        assert_eq!(l.check_size(100), Ok(()));
    }
}
