//! `quiesce-init PROGRAM [ARGS...]`: the init every node's program runs
//! under, so that whatever it starts dies with it ([`quiesce::contain`]);
//! and `quiesce-init --janitor DIR`, which removes a folder when the
//! harness ends, however it ends ([`quiesce::janitor`]).

fn main() {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let code = match args.as_slice() {
        [flag, dir] if flag == quiesce::janitor::FLAG => quiesce::janitor::main(dir.into()),
        _ => quiesce::contain::main(args),
    };
    std::process::exit(code);
}
