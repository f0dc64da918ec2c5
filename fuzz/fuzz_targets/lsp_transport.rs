#![no_main]
//! Byte streams into the language server's transport (see check_lsp_transport).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tftsr_fuzz::scratch_data_dir();
    tftsr_fuzz::fuzz_server::check_lsp_transport(data);
});
