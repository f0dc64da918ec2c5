#![no_main]
//! The CLI's input path: gzip detection, decoding, chunked streaming (see check_gzip).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tftsr_fuzz::fuzz_server::check_gzip(data);
});
