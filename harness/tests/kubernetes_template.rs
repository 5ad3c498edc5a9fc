//! The Kubernetes template (`ci/kubernetes/`): no test here reaches a
//! cluster, so these hold the files to what an Indexed Job needs and to
//! what `docs/ci.md` says of them.
//!
//! - The Job is an Indexed Job of N completions that never restarts a pod
//!   in place and bounds its retries.
//! - Its command, expanded as the kubelet expands it and run by `sh` with a
//!   stand-in `quiesce` for each index, runs shard index + 1 of N (shards
//!   count from 1, indexes from 0): every shard once, each with its own
//!   JUnit file and run folder.
//! - The suites it names are in the repository and copied into the image.
//! - The image it runs is the one the Dockerfile's header builds, with
//!   every binary of the workspace in one folder and the peers the suites
//!   start.
//! - The security context, by default and with the `#+ ` lines uncommented,
//!   is what the docs say.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_yaml::Value;

use quiesce::shard::Shard;

const JOB: &str = "ci/kubernetes/quiesce-job.yaml";
const READER: &str = "ci/kubernetes/results-reader.yaml";
const DOCKERFILE: &str = "ci/kubernetes/Dockerfile";
const DOCS: &str = "docs/ci.md";

/// Programs the suites start and the Debian packages that have them.
const PEERS: &[(&str, &str)] = &[
    ("serf", "serf"),
    ("etcd", "etcd-server"),
    ("etcdctl", "etcd-client"),
    ("nats-server", "nats-server"),
    ("corosync", "corosync"),
    ("keepalived", "keepalived"),
];

/// Programs a suite may start that `debian:bookworm-slim` already has.
const BASE: &[&str] = &["sh", "cat", "unshare", "sleep", "true", "false", "kill", "test"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("harness/ is in the workspace").to_path_buf()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every YAML document of a file.
fn documents(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("not YAML: {e}")))
        .collect()
}

/// The document of `kind` in a manifest.
fn of_kind(docs: &[Value], kind: &str) -> Value {
    let mut found = docs.iter().filter(|d| d["kind"].as_str() == Some(kind));
    let doc = found.next().unwrap_or_else(|| panic!("no {kind} in the manifest"));
    assert!(found.next().is_none(), "more than one {kind}");
    doc.clone()
}

/// The value at a dotted path, which must be there.
fn at<'v>(value: &'v Value, path: &str) -> &'v Value {
    let found = path.split('.').try_fold(value, |v, key| v.get(key));
    found.unwrap_or_else(|| panic!("`{path}` is missing"))
}

fn str_at<'v>(value: &'v Value, path: &str) -> &'v str {
    at(value, path).as_str().unwrap_or_else(|| panic!("`{path}` is not a string"))
}

fn int_at(value: &Value, path: &str) -> u64 {
    at(value, path).as_u64().unwrap_or_else(|| panic!("`{path}` is not a whole number"))
}

/// The manifest with its alternative security set up: the lines marked
/// `# capabilities only` gone and every `#+ ` line uncommented in place.
fn alternative(text: &str) -> String {
    let lines = text.lines().filter(|l| !l.trim_end().ends_with("# capabilities only"));
    lines.map(|l| l.replacen("#+ ", "", 1) + "\n").collect()
}

fn job() -> Value {
    of_kind(&documents(&read(JOB)), "Job")
}

/// The one container of the Job's pods.
fn container(job: &Value) -> Value {
    let containers = at(job, "spec.template.spec.containers").as_sequence().expect("containers is a list");
    assert_eq!(containers.len(), 1, "one container per pod");
    containers[0].clone()
}

/// The container's environment, literal values only.
fn env(container: &Value) -> BTreeMap<String, Option<String>> {
    let list = at(container, "env").as_sequence().expect("env is a list");
    list.iter()
        .map(|e| (str_at(e, "name").to_string(), e.get("value").and_then(Value::as_str).map(String::from)))
        .collect()
}

#[test]
fn the_job_is_an_indexed_job_of_n_shards() {
    let job = job();
    assert_eq!(str_at(&job, "apiVersion"), "batch/v1");
    assert_eq!(str_at(&job, "kind"), "Job");
    assert_eq!(str_at(&job, "spec.completionMode"), "Indexed", "each pod needs JOB_COMPLETION_INDEX");
    let n = int_at(&job, "spec.completions");
    let parallelism = int_at(&job, "spec.parallelism");
    assert!((1..=n).contains(&parallelism), "parallelism {parallelism} must be 1 to completions ({n})");
    // Indexed Jobs take Never or OnFailure; backoffLimitPerIndex and
    // podFailurePolicy take Never only.
    assert_eq!(str_at(&job, "spec.template.spec.restartPolicy"), "Never");
    int_at(&job, "spec.backoffLimit");
    int_at(&job, "spec.backoffLimitPerIndex");
    let name = str_at(&container(&job), "name").to_string();
    let rules = at(&job, "spec.podFailurePolicy.rules").as_sequence().expect("rules is a list");
    let on_exit: Vec<&Value> = rules.iter().filter_map(|r| r.get("onExitCodes")).collect();
    assert!(!on_exit.is_empty(), "a rule on quiesce's exit codes");
    for rule in on_exit {
        assert_eq!(str_at(rule, "containerName"), name, "the rule names the container");
        let codes: Vec<u64> = at(rule, "values").as_sequence().unwrap().iter().filter_map(Value::as_u64).collect();
        assert!(codes.contains(&1), "exit 1 (a suite failed) is a verdict, not a flake: {codes:?}");
    }
}

/// Kubernetes' expansion of a container's command: `$(NAME)` of a known
/// variable becomes its value, an unknown one stays as it is, `$$` is `$`.
fn kubelet_expand(input: &str, vars: &HashMap<String, String>) -> String {
    let (mut out, mut rest) = (String::new(), input);
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some((name, tail)) = after.strip_prefix('(').and_then(|b| b.split_once(')')) {
            out.push_str(&vars.get(name).cloned().unwrap_or_else(|| format!("$({name})")));
            rest = tail;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out + rest
}

/// The arguments the pod of `index` passes to `quiesce`, by running its
/// command with a stand-in `quiesce` first on PATH.
fn quiesce_args(job: &Value, index: u64, results: &Path, seed: &str) -> Vec<String> {
    let container = container(job);
    let mut vars: HashMap<String, String> =
        env(&container).into_iter().map(|(k, v)| (k, v.unwrap_or_else(|| "job-uid".into()))).collect();
    vars.insert("JOB_COMPLETION_INDEX".into(), index.to_string());
    vars.insert("RESULTS".into(), results.display().to_string());
    vars.insert("QUIESCE_SEED".into(), seed.into());
    let bin = results.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let stub = bin.join("quiesce");
    std::fs::write(&stub, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS\"\n").unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let command: Vec<String> = at(&container, "command")
        .as_sequence()
        .expect("command is a list")
        .iter()
        .map(|a| kubelet_expand(a.as_str().expect("a string"), &vars))
        .collect();
    let args_file = results.join(format!("args-{index}"));
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new(&command[0])
        .args(&command[1..])
        .envs(&vars)
        .env("PATH", path)
        .env("ARGS", &args_file)
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "index {index}: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(&args_file).expect("the command ran quiesce").lines().map(String::from).collect()
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).map(|i| args[i + 1].as_str())
}

#[test]
fn each_index_runs_its_own_shard() {
    let text = read(JOB);
    assert!(text.contains("--shard") && text.contains("JOB_COMPLETION_INDEX") && text.contains("--junit"));
    let job = job();
    let n = int_at(&job, "spec.completions");
    let results = tempfile::tempdir().unwrap();
    let (mut shards, mut junits, mut outs) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for index in 0..n {
        let args = quiesce_args(&job, index, results.path(), "");
        assert_eq!(&args[..2], ["run", "suites"], "{args:?}");
        let shard: Shard =
            flag(&args, "--shard").expect("--shard").parse().unwrap_or_else(|e| panic!("index {index}: {e}"));
        assert_eq!(shard.count as u64, n, "--shard K/N with N = completions");
        assert_eq!(shard.index as u64, index + 1, "index {index} runs shard {}", index + 1);
        shards.insert(shard.index);
        let junit = flag(&args, "--junit").expect("--junit");
        let out = flag(&args, "--out").expect("--out");
        for path in [junit, out] {
            assert!(
                path.starts_with(&format!("{}/job-uid/", results.path().display())),
                "{path} is in this run's folder"
            );
        }
        junits.insert(junit.to_string());
        outs.insert(out.to_string());
        assert!(flag(&args, "--seed").is_none(), "no --seed unless QUIESCE_SEED is set");
    }
    assert_eq!(shards, (1..=n as usize).collect(), "every shard once");
    assert_eq!((junits.len(), outs.len()), (n as usize, n as usize), "a JUnit file and a run folder per shard");
    let seeded = quiesce_args(&job, 0, results.path(), "7");
    assert_eq!(flag(&seeded, "--seed"), Some("7"));
}

#[test]
fn the_suites_are_in_the_repository_and_the_image() {
    let suites = env(&container(&job()))["QUIESCE_SUITES"].clone().expect("QUIESCE_SUITES has a value");
    let dir = root().join(&suites);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let count = entries.filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "yaml"))).count();
    assert!(count > 0, "{} holds suites", dir.display());
    let dockerfile = read(DOCKERFILE);
    assert!(dockerfile.contains("WORKDIR /opt/quiesce"), "suites are found from the image's working folder");
    assert!(dockerfile.contains(&format!("COPY {suites}/ {suites}/")), "the image has {suites}/");
    let out = Command::new(env!("CARGO_BIN_EXE_quiesce")).arg("check").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The tag after `-t` in the Dockerfile's build command.
fn built_tag(dockerfile: &str) -> String {
    let line = dockerfile.lines().find(|l| l.contains("docker build")).expect("the header says how to build");
    let mut words = line.split_whitespace().skip_while(|w| *w != "-t");
    words.nth(1).expect("a tag after -t").to_string()
}

#[test]
fn the_pods_run_the_image_the_dockerfile_builds() {
    let tag = built_tag(&read(DOCKERFILE));
    assert_eq!(str_at(&container(&job()), "image"), tag);
    let manifest = documents(&read(JOB));
    let reader = of_kind(&documents(&read(READER)), "Pod");
    assert_eq!(str_at(&container_of_pod(&reader), "image"), tag);
    assert!(read(DOCS).contains(&format!("-t {tag}")), "docs/ci.md builds {tag}");
    // The reader mounts the volume the Job writes.
    let claim = str_at(&of_kind(&manifest, "PersistentVolumeClaim"), "metadata.name").to_string();
    let claims = |pod_spec: &Value| -> Vec<String> {
        let volumes = at(pod_spec, "volumes").as_sequence().expect("volumes is a list").clone();
        volumes.iter().filter_map(|v| v.get("persistentVolumeClaim")).map(|c| str_at(c, "claimName").into()).collect()
    };
    for pod_spec in [at(&job(), "spec.template.spec"), at(&reader, "spec")] {
        assert_eq!(claims(pod_spec), std::slice::from_ref(&claim), "the pod mounts {claim}");
    }
}

fn container_of_pod(pod: &Value) -> Value {
    at(pod, "spec.containers").as_sequence().expect("containers is a list")[0].clone()
}

/// The names of the binaries `cargo build --workspace --bins` builds.
fn workspace_bins() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--offline", "--format-version", "1", "--manifest-path"])
        .arg(root().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let targets = meta["packages"].as_array().unwrap().iter().flat_map(|p| p["targets"].as_array().unwrap().clone());
    let bins = targets.filter(|t| t["kind"].as_array().unwrap().iter().any(|k| k == "bin"));
    bins.map(|t| t["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_image_has_every_binary_together_and_the_peers() {
    let dockerfile = read(DOCKERFILE);
    let froms: Vec<&str> = dockerfile.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert!(froms.len() == 2 && froms[0].contains("rust:") && froms[0].contains("bookworm"), "{froms:?}");
    assert_eq!(froms[1], "FROM debian:bookworm-slim", "the Debian the binaries are built on");
    assert!(dockerfile.contains("cargo build --release --locked --workspace --bins"));
    let bins = workspace_bins();
    assert!(["quiesce", "quiesce-init", "quiesce-node"].iter().all(|b| bins.contains(*b)), "{bins:?}");
    let copy = dockerfile.lines().find(|l| l.contains("&& cp target/release/")).expect("the binaries are copied out");
    for bin in &bins {
        assert!(copy.contains(&format!("target/release/{bin} ")), "the image lacks {bin}: {copy}");
    }
    assert!(dockerfile.contains("COPY --from=build /out/ /usr/local/bin/"), "one folder, on PATH");
    let install = dockerfile.lines().skip_while(|l| !l.contains("apt-get install")).take(2).collect::<String>();
    let suites = suite_texts();
    for (program, package) in PEERS {
        let used = suites.iter().any(|(_, text)| has_word(text, program));
        assert!(!used || has_word(&install, package), "a suite runs {program}: install {package}");
    }
    for (file, text) in &suites {
        for program in first_words(&serde_yaml::from_str(text).unwrap()) {
            let known =
                BASE.contains(&program.as_str()) || bins.contains(&program) || PEERS.iter().any(|(p, _)| *p == program);
            assert!(known, "{file} runs `{program}`: install it in {DOCKERFILE} and add it to PEERS here");
        }
    }
}

fn suite_texts() -> Vec<(String, String)> {
    let dir = root().join("suites");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    files.iter().map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap())).collect()
}

fn has_word(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// The program of every `command:` and `exec:` list in a suite.
fn first_words(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    match value {
        Value::Mapping(map) => {
            for (key, v) in map {
                let is_command = matches!(key.as_str(), Some("command" | "exec"));
                if let (true, Some(first)) = (is_command, v.as_sequence().and_then(|s| s.first())) {
                    found.extend(first.as_str().map(String::from));
                }
                found.extend(first_words(v));
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| found.extend(first_words(v))),
        _ => {}
    }
    found
}

#[test]
fn the_security_context_is_what_the_docs_say() {
    let docs = read(DOCS);
    let text = read(JOB);
    let default = job();
    let pod = at(&default, "spec.template.spec");
    let first = container(&default);
    let context = at(&first, "securityContext");
    assert!(context.get("privileged").is_none(), "the default is not privileged");
    let caps: Vec<&str> =
        at(context, "capabilities.add").as_sequence().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(caps, ["NET_ADMIN", "SYS_ADMIN"], "unshare/setns need SYS_ADMIN, TUNSETIFF NET_ADMIN");
    let claim = format!("`add: [{}]`", caps.join(", "));
    assert!(docs.contains(&claim), "docs/ci.md says the capabilities are {claim}");
    assert_eq!(str_at(context, "seccompProfile.type"), "RuntimeDefault");
    assert!(context.get("procMount").is_none() && pod.get("hostUsers").is_none(), "nothing else is asked");
    let mounts = at(&first, "volumeMounts").as_sequence().unwrap();
    let tun = mounts.iter().find(|m| str_at(m, "mountPath") == "/dev/net/tun").expect("/dev/net/tun is mounted");
    let volumes = at(pod, "volumes").as_sequence().unwrap();
    let volume = volumes.iter().find(|v| v["name"] == tun["name"]).expect("the mount's volume");
    assert_eq!(str_at(volume, "hostPath.path"), "/dev/net/tun");
    assert_eq!(str_at(volume, "hostPath.type"), "CharDevice");
    // The same two capabilities are what harness/tests/namespaces/container.rs
    // runs a suite with, /proc/sys read-only.
    let test = read("harness/tests/namespaces/container.rs");
    assert!(test.contains("--bounding-set=-all,+net_admin,+sys_admin"), "the container test keeps to them");

    let alt = of_kind(&documents(&alternative(&text)), "Job");
    assert_ne!(alt, default, "the manifest has an alternative in `#+ ` lines");
    let container = container(&alt);
    let context = at(&container, "securityContext");
    assert_eq!(context, &serde_yaml::from_str::<Value>("privileged: true").unwrap(), "the alternative: privileged");
    assert!(docs.contains("`privileged: true`"), "docs/ci.md names the alternative");
}
