//! A stdio server's child process: spawned in a process group of its own, stopped and reaped by us.

use std::{
    collections::BTreeMap, io, path::Path, process::ExitStatus, process::Stdio, time::Duration,
};

use process_wrap::tokio::{ChildWrapper, CommandWrap, KillOnDrop};
use tokio::{
    process::{ChildStdin, ChildStdout, Command},
    task::JoinHandle,
};

/// `SIGTERM`, the same number on every Unix.
#[cfg(unix)]
const SIGTERM: i32 = 15;

/// How long a child gets to exit after its stdin closes, and again after `SIGTERM`.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(2);

/// How long a stopped child's stderr may take to reach its end.
const STDERR_DRAIN: Duration = Duration::from_millis(500);

/// A running child. Dropping it kills the process (`KillOnDrop`), so a
/// session abandoned by a panic leaks nothing; normal paths call [`Self::stop`].
pub(crate) struct ChildProcess {
    inner: Box<dyn ChildWrapper>,
    exited: Option<ExitStatus>,
    /// The task forwarding its stderr, which ends when the pipe closes.
    stderr: Option<JoinHandle<()>>,
}

/// The pipes the MCP session runs over.
pub(crate) struct ChildPipes {
    pub stdout: ChildStdout,
    pub stdin: ChildStdin,
}

impl ChildProcess {
    /// Starts `command` with our environment plus `env`, its stderr forwarded to our logs.
    pub fn spawn(
        server: &str,
        command: &str,
        args: &[String],
        env: &BTreeMap<String, String>,
        cwd: Option<&Path>,
    ) -> io::Result<(Self, ChildPipes)> {
        let mut cmd = Command::new(command);
        cmd.args(args)
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(cwd) = cwd {
            cmd.current_dir(cwd);
        }
        let mut wrap = CommandWrap::from(cmd);
        // Its own group, so stopping it also stops what it started (npx -> node)
        // and a Ctrl-C at our terminal reaches us, not it: we stop it in order.
        #[cfg(unix)]
        wrap.wrap(process_wrap::tokio::ProcessGroup::leader());
        wrap.wrap(KillOnDrop);
        let mut inner = wrap.spawn()?;
        let (Some(stdout), Some(stdin)) = (inner.stdout().take(), inner.stdin().take()) else {
            return Err(io::Error::other("the child's stdio pipes are missing"));
        };
        let stderr = inner
            .stderr()
            .take()
            .map(|stderr| tokio::spawn(super::stderr::forward(server.to_owned(), stderr)));
        Ok((Self { inner, exited: None, stderr }, ChildPipes { stdout, stdin }))
    }

    pub fn id(&self) -> Option<u32> {
        self.inner.id()
    }

    /// Resolves when the process exits (reaping it). Cancel-safe.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.exited {
            return Ok(status);
        }
        let status = self.inner.wait().await?;
        self.exited = Some(status);
        Ok(status)
    }

    /// Stops and reaps the process, as the MCP stdio shutdown sequence asks:
    /// its stdin is already closed (the session has ended), so wait; then
    /// `SIGTERM` the group and wait; then `SIGKILL` the group. Returns how it exited.
    pub async fn stop(&mut self) -> Option<ExitStatus> {
        let status = self.stop_process().await;
        self.drain_stderr().await;
        status
    }

    /// Lets the stderr forwarder log the last lines and its summary of
    /// dropped ones. A grandchild still holding the pipe open is not waited
    /// for: the forwarder goes on with its lines, detached.
    async fn drain_stderr(&mut self) {
        if let Some(task) = self.stderr.take() {
            let _ = tokio::time::timeout(STDERR_DRAIN, task).await;
        }
    }

    async fn stop_process(&mut self) -> Option<ExitStatus> {
        if let Some(status) = self.exited {
            return Some(status);
        }
        if let Ok(Ok(status)) = tokio::time::timeout(STOP_GRACE, self.wait()).await {
            self.terminate_stragglers();
            return Some(status);
        }
        #[cfg(unix)]
        if self.inner.signal(SIGTERM).is_ok()
            && let Ok(Ok(status)) = tokio::time::timeout(STOP_GRACE, self.wait()).await
        {
            self.terminate_stragglers();
            return Some(status);
        }
        if let Err(error) = Box::into_pin(self.inner.kill()).await {
            tracing::warn!(%error, "cannot kill a downstream server's process");
        }
        self.wait().await.ok()
    }

    /// The leader has exited; anything left in its group is debris it started.
    fn terminate_stragglers(&self) {
        #[cfg(unix)]
        let _ = self.inner.signal(SIGTERM);
    }
}
