//! A pattern-mcp process driven over stdio: newline-delimited JSON-RPC, one request in flight.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

use crate::protocol::{Outcome, classify, initialize_params};

/// How many of the process's last stderr lines are kept to explain a failure.
const STDERR_TAIL: usize = 20;

pub struct StdioClient {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

impl StdioClient {
    /// Starts `bin args…` and initializes the session (initialize, then
    /// notifications/initialized).
    pub async fn start(bin: &Path, args: &[String]) -> Result<Self> {
        let mut command = Command::new(bin);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // One log line per execution on stderr would cost the server more than
        // the calls: warnings only, unless the caller chose a level.
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        let mut child =
            command.spawn().with_context(|| format!("cannot start {}", bin.display()))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr_pipe = child.stderr.take().expect("piped");
        let (tx, lines) = mpsc::channel(64);
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send(line).await.is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let tail = stderr.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stderr_pipe).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let mut tail = tail.lock().expect("not poisoned");
                if tail.len() == STDERR_TAIL {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });
        let mut client = Self { child, stdin, lines, stderr };
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": initialize_params()});
        let answer = client.exchange(0, &init, Duration::from_secs(30)).await;
        match answer {
            Ok(message) if message.get("result").is_some() => {}
            Ok(message) => bail!("initialize was refused: {message}{}", client.stderr_tail()),
            Err(outcome) => bail!("no answer to initialize ({outcome:?}){}", client.stderr_tail()),
        }
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        client
            .send(&initialized)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}{}", client.stderr_tail()))?;
        Ok(client)
    }

    fn stderr_tail(&self) -> String {
        let tail = self.stderr.lock().expect("not poisoned");
        if tail.is_empty() {
            String::new()
        } else {
            format!(
                "; its stderr ended with:\n{}",
                tail.iter().cloned().collect::<Vec<_>>().join("\n")
            )
        }
    }

    async fn send(&mut self, message: &Value) -> Result<(), Outcome> {
        let mut line = serde_json::to_vec(message).expect("serializable");
        line.push(b'\n');
        let written = async {
            self.stdin.write_all(&line).await?;
            self.stdin.flush().await
        };
        written.await.map_err(|_| Outcome::Transport("exited".into()))
    }

    /// Sends `message` and returns the answer with `id`, skipping
    /// notifications and late answers to earlier requests.
    async fn exchange(
        &mut self,
        id: u64,
        message: &Value,
        timeout: Duration,
    ) -> Result<Value, Outcome> {
        self.send(message).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let line = match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Err(_) => return Err(Outcome::Timeout),
                Ok(None) => return Err(Outcome::Transport("exited".into())),
                Ok(Some(line)) => line,
            };
            let Ok(answer) = serde_json::from_str::<Value>(&line) else {
                return Err(Outcome::Transport("malformed".into()));
            };
            if answer.get("id").and_then(Value::as_u64) == Some(id) {
                return Ok(answer);
            }
        }
    }

    /// One `tools/call` with `params`.
    pub async fn call(&mut self, id: u64, params: Value, timeout: Duration) -> Outcome {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
        match self.exchange(id, &request, timeout).await {
            Ok(answer) => classify(&answer),
            Err(outcome) => outcome,
        }
    }

    /// Closes stdin (the server exits at end of input), then kills the
    /// process if it has not exited within a second.
    pub async fn close(mut self) {
        let _ = self.stdin.shutdown().await;
        drop(self.stdin);
        if tokio::time::timeout(Duration::from_secs(1), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}
