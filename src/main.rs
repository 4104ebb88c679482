//! The `fapiao` command line: `recognize`, `apis`, `validate` and `sandbox` (see [`cli`]).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
