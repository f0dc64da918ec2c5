#![no_main]
//! The engine on arbitrary bytes: scan, scan_bytes, the streaming cut, scan_range (see check_scan).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tftsr_fuzz::fuzz_engine::check_scan(data);
});
