//! Acting inside nodes: `exec` runs a command in a node's namespace, `http`
//! sends a request from it. Outputs land in the run folder.

use std::time::Duration;

use super::steps::{io, StepError};
use super::Runner;
use crate::capped;
use crate::http;
use crate::suite::plan::{Targets, Template};

impl Runner<'_, '_> {
    /// `exec`: once per target node; output to `exec-<step>-<node>.out`/`.err`.
    pub(crate) async fn exec(
        &mut self,
        targets: &Targets,
        argv: &[Template],
        wait: bool,
        timeout: Duration,
        check: bool,
    ) -> Result<String, StepError> {
        let nodes = self.targets(targets, &[])?;
        let mut details = Vec::new();
        for n in nodes {
            let name = self.cluster.names()[n].clone();
            let args: Vec<String> = argv.iter().map(|t| self.cluster.render(n, t)).collect();
            // Not `with_extension`: a node name may hold a dot.
            let (out_path, err_path) = (
                self.folder.join(format!("exec-{}-{name}.out", self.step)),
                self.folder.join(format!("exec-{}-{name}.err", self.step)),
            );
            let budget = || capped::Budget::new(self.log_limit);
            let out = capped::pipe_into(std::fs::File::create(&out_path).map_err(io)?, budget()).map_err(io)?;
            let err = capped::pipe_into(std::fs::File::create(&err_path).map_err(io)?, budget()).map_err(io)?;
            let env = self.cluster.env(n);
            let mut child = self
                .cluster
                .launcher()
                .spawn(self.cluster.namespace(n), &args, self.cluster.supervisor.path_env(), |cmd| {
                    cmd.envs(env).stdout(out.out).stderr(err.err);
                })
                .await
                .map_err(|e| io(std::io::Error::new(e.kind(), format!("exec `{}` on {name}: {e}", args[0]))))?;
            if !wait {
                details.push(format!("{name}: started"));
                self.background.push(child);
                continue;
            }
            let status = match tokio::time::timeout(timeout, child.wait()).await {
                Ok(status) => status.map_err(io)?,
                Err(_) => {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                    return Err(StepError::Failed(format!(
                        "exec `{}` on {name} timed out after {timeout:?}",
                        args.join(" ")
                    )));
                }
            };
            // What it printed, all written (what it left running died
            // with it, in its PID namespace).
            let _ = tokio::time::timeout(Duration::from_secs(1), futures::future::join(out.drained, err.drained)).await;
            if check && !status.success() {
                let tail = std::fs::read_to_string(&err_path).unwrap_or_default();
                return Err(StepError::Failed(format!(
                    "exec `{}` on {name} {status}: {}",
                    args.join(" "),
                    http::snippet(tail.as_bytes())
                )));
            }
            details.push(format!("{name}: {status}"));
        }
        Ok(details.join("; "))
    }

    /// `http`: once per target node, from inside its namespace.
    pub(crate) async fn http(
        &mut self,
        targets: &Targets,
        method: &str,
        url: &Template,
        body: Option<&Template>,
        expect: Option<u16>,
        timeout: Duration,
    ) -> Result<String, StepError> {
        let nodes = self.targets(targets, &[])?;
        let mut details = Vec::new();
        for n in nodes {
            let name = self.cluster.names()[n].clone();
            let url = self.cluster.render(n, url);
            let target = http::parse_url(&url).map_err(StepError::Internal)?;
            let body = body.map(|b| self.cluster.render(n, b));
            let send = http::request(
                self.cluster.namespace(n),
                self.cluster.launcher(),
                method,
                &target,
                body.as_deref().map(str::as_bytes),
            );
            // A probe's slot: the timeout starts once the request has one.
            let _slot = crate::probe::slot().await;
            let answer = match tokio::time::timeout(timeout, send).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(e)) => return Err(StepError::Failed(format!("{method} {url} from {name}: {e}"))),
                Err(_) => {
                    return Err(StepError::Failed(format!("{method} {url} from {name} timed out after {timeout:?}")))
                }
            };
            let file = self.folder.join(format!("http-{}-{name}.body", self.step));
            std::fs::write(&file, &answer.body).map_err(io)?;
            let ok = match expect {
                Some(code) => answer.status == code,
                None => (200..300).contains(&answer.status),
            };
            if !ok {
                let wanted = expect.map_or("2xx".to_string(), |c| c.to_string());
                return Err(StepError::Failed(format!(
                    "{method} {url} from {name}: HTTP {} (expected {wanted}): {}",
                    answer.status,
                    http::snippet(&answer.body)
                )));
            }
            details.push(format!("{name}: HTTP {}", answer.status));
        }
        Ok(details.join("; "))
    }
}
