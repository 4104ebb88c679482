//! Generates one Rust module per spec in `specs/` (plus the registry) into `OUT_DIR`.

fn main() {
    let generated = fapiao_codegen::Builder::new("specs")
        .display_prefix("specs")
        .generate();
    match generated {
        Ok(generated) => {
            println!("cargo:rerun-if-changed=build.rs");
            for path in &generated.files_read {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        Err(failure) => {
            for path in &failure.files_read {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            eprintln!("{failure}");
            std::process::exit(1);
        }
    }
}
