#![no_main]
//! UTF-16/UTF-8 position conversion against a reference (see check_position).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tftsr_fuzz::fuzz_server::check_position(data);
});
