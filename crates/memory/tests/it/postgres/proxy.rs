//! A TCP proxy in front of the shared PostgreSQL server that a test can close and reopen, to play a server outage without stopping the server other tests use.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards connections from `127.0.0.1:<port>` to the server while open.
/// Closing drops every forwarded connection and refuses new ones; opening
/// again listens on the same port.
pub struct Proxy {
    addr: SocketAddr,
    target: SocketAddr,
    running: Option<Running>,
}

struct Running {
    accept: JoinHandle<()>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    /// A proxy on a free port, forwarding.
    pub async fn open(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().unwrap();
        Proxy { addr, target, running: Some(Running::start(listener, target)) }
    }

    /// A proxy on a free port, closed: connections to it are refused.
    pub async fn closed(target: SocketAddr) -> Proxy {
        let mut proxy = Proxy::open(target).await;
        proxy.close();
        proxy
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Drops every connection and stops listening.
    pub fn close(&mut self) {
        if let Some(running) = self.running.take() {
            running.accept.abort();
            for connection in running.connections.lock().unwrap().drain(..) {
                connection.abort();
            }
        }
    }

    /// Listens on the same port again.
    pub async fn reopen(&mut self) {
        assert!(self.running.is_none(), "the proxy is already open");
        // The aborted accept task lets its listener go at its next turn.
        let mut attempts = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(err) if attempts < 100 => {
                    attempts += 1;
                    let _ = err;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                Err(err) => panic!("rebind the proxy port: {err}"),
            }
        };
        self.running = Some(Running::start(listener, self.target));
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.close();
    }
}

impl Running {
    fn start(listener: TcpListener, target: SocketAddr) -> Running {
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accept = tokio::spawn({
            let connections = Arc::clone(&connections);
            async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    let forward = tokio::spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    connections.lock().unwrap().push(forward);
                }
            }
        });
        Running { accept, connections }
    }
}
