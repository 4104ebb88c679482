//! Spec text → parse → validate → (when valid) emit every module and the registry.
//! Failures are rendered too: diagnostics with hostile spans must not panic the renderer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match fapiao_codegen::check_source("fuzz.yaml", &text) {
        Ok(ir) => {
            for api in &ir.apis {
                let _ = fapiao_codegen::emit::emit_api(api, &ir);
            }
            let _ = fapiao_codegen::emit::emit_registry(&ir, "");
            let _ = fapiao_codegen::docs::render(&ir);
        }
        Err(failure) => {
            let _ = failure.to_string();
        }
    }
});
