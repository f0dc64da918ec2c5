#![no_main]
//! Redaction in every style: rescans clean, idempotent (see check_redact).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tftsr_fuzz::fuzz_engine::check_redact(data);
});
