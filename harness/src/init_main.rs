//! `quiesce-init PROGRAM [ARGS...]`: the init every node's program runs
//! under, so that whatever it starts dies with it ([`quiesce::contain`]).

fn main() {
    std::process::exit(quiesce::contain::main(std::env::args_os().skip(1).collect()));
}
