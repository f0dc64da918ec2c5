fn main() {
    std::process::exit(tftsr::cli::main());
}
