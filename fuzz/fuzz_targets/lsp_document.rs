#![no_main]
//! Edit sequences and interleaved rescans against the document model (see check_document).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tftsr_fuzz::fuzz_server::check_document(data);
});
