//! A loopback HTTP/1.1 server that records each request and answers from a script.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use fapiao::auth::HttpRequest;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    /// Path and query, as on the request line.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the request was complete (tokio clock, so paused-clock tests can read it).
    pub at: tokio::time::Instant,
}

impl Captured {
    /// The first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request as a gateway-side verifier sees it (URL rebuilt from `Host`).
    pub fn to_http_request(&self) -> HttpRequest {
        let host = self.header("host").unwrap_or_default();
        HttpRequest {
            method: self.method.clone(),
            url: format!("http://{host}{}", self.target),
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Script {
    /// Answer with this status, extra headers and body.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Keep the connection open and never answer.
    Hang,
    /// Close the connection without answering.
    Close,
}

impl Script {
    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> Script {
        Script::Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// An answer with a raw body and content type.
    pub fn raw(status: u16, content_type: &str, body: &[u8]) -> Script {
        Script::Answer {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.to_vec(),
        }
    }
}

type Responder = dyn Fn(usize, &Captured) -> Script + Send + Sync;

/// The running server; stops when dropped.
pub struct Server {
    addr: SocketAddr,
    accepts: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Captured>>>,
    task: JoinHandle<()>,
}

impl Server {
    /// Starts a server answering request `n` (0-based) with `respond(n, &request)`.
    pub async fn start(
        respond: impl Fn(usize, &Captured) -> Script + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let accepts = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let respond: Arc<Responder> = Arc::new(respond);
        let task = tokio::spawn({
            let (accepts, requests) = (Arc::clone(&accepts), Arc::clone(&requests));
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    accepts.fetch_add(1, Ordering::SeqCst);
                    let (requests, respond) = (Arc::clone(&requests), Arc::clone(&respond));
                    tokio::spawn(serve(stream, requests, respond));
                }
            }
        });
        Server {
            addr,
            accepts,
            requests,
            task,
        }
    }

    /// A server answering every request the same way.
    pub async fn always(script: Script) -> Server {
        Server::start(move |_, _| script.clone()).await
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Captured> {
        self.requests.lock().expect("lock").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(stream: TcpStream, requests: Arc<Mutex<Vec<Captured>>>, respond: Arc<Responder>) {
    let mut reader = BufReader::new(stream);
    let Some(request) = read_request(&mut reader).await else {
        return;
    };
    let script = {
        let mut log = requests.lock().expect("lock");
        log.push(request.clone());
        respond(log.len() - 1, &request)
    };
    let mut stream = reader.into_inner();
    match script {
        Script::Answer {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} Scripted\r\n");
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ));
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
        Script::Hang => std::future::pending::<()>().await,
        Script::Close => drop(stream),
    }
}

async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Captured> {
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await.ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Captured {
        method,
        target,
        headers,
        body,
        at: tokio::time::Instant::now(),
    })
}
