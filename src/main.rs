fn main() {
    std::process::exit(herd::cli::main());
}
