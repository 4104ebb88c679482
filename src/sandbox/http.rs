//! A small HTTP/1.1 server connection: reads requests (`Content-Length` or chunked bodies,
//! keep-alive, `Expect: 100-continue`) and writes answers — including the deliberately broken
//! ones fault injection needs (cut-short bodies, resets, silence), which a general-purpose
//! server library would not produce.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest request head (request line and headers) accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Most headers in one request.
const MAX_HEADERS: usize = 128;
/// Largest chunk-size line of a chunked body.
const MAX_CHUNK_LINE: usize = 1024;

/// A request line and headers.
#[derive(Debug, Clone)]
pub(crate) struct RequestHead {
    /// The method, as sent.
    pub(crate) method: String,
    /// The request target: path and query, as sent.
    pub(crate) target: String,
    /// HTTP/1.x minor version.
    minor_version: u8,
    /// Headers in the order sent; values decoded lossily as UTF-8.
    pub(crate) headers: Vec<(String, String)>,
}

impl RequestHead {
    /// The first value of a header, compared case-insensitively.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path of the target, without query.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The raw query string, without `?`.
    pub(crate) fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// Whether the client wants the connection kept open after the answer.
    pub(crate) fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or_default();
        let has = |token: &str| {
            connection
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.minor_version == 0 {
            has("keep-alive")
        } else {
            !has("close")
        }
    }

    /// How the body is framed.
    fn framing(&self) -> Result<Framing, ReadError> {
        if let Some(te) = self.header("transfer-encoding") {
            return if te.trim().eq_ignore_ascii_case("chunked") {
                Ok(Framing::Chunked)
            } else {
                Err(ReadError::Malformed("unsupported Transfer-Encoding"))
            };
        }
        match self.header("content-length") {
            None => Ok(Framing::Length(0)),
            Some(v) => v
                .trim()
                .parse()
                .map(Framing::Length)
                .map_err(|_| ReadError::Malformed("invalid Content-Length")),
        }
    }
}

enum Framing {
    Length(usize),
    Chunked,
}

/// Why a request could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The client closed the connection or the socket failed.
    Closed,
    /// Not valid HTTP/1.x.
    Malformed(&'static str),
    /// The head or body exceeds the sandbox's limits.
    TooLarge,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Closed
    }
}

/// An answer to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// HTTP status.
    pub(crate) status: u16,
    /// Headers besides `Content-Length` and `Connection`.
    pub(crate) headers: Vec<(String, String)>,
    /// The body.
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// An answer with this status, content type and body.
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// A JSON answer.
    pub(crate) fn json(status: u16, content_type: &str, value: &serde_json::Value) -> Response {
        // A `Value` always serialises.
        Response::new(
            status,
            content_type,
            serde_json::to_vec(value).unwrap_or_default(),
        )
    }

    /// Adds a header, builder style.
    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// One accepted connection and the bytes read from it but not consumed yet.
pub(crate) struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Connection {
    /// Wraps an accepted stream.
    pub(crate) fn new(stream: TcpStream) -> Connection {
        Connection {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads the next request head; `Ok(None)` when the client closed the connection between
    /// requests.
    pub(crate) async fn read_head(&mut self) -> Result<Option<RequestHead>, ReadError> {
        loop {
            if let Some((head, used)) = parse_head(&self.buf)? {
                self.buf.drain(..used);
                return Ok(Some(head));
            }
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(ReadError::TooLarge);
            }
            if self.fill().await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(ReadError::Closed)
                };
            }
        }
    }

    /// Reads the body `head` announces, refusing more than `max` bytes. Answers
    /// `Expect: 100-continue` first.
    pub(crate) async fn read_body(
        &mut self,
        head: &RequestHead,
        max: usize,
    ) -> Result<Vec<u8>, ReadError> {
        let framing = head.framing()?;
        if let Framing::Length(n) = framing
            && n > max
        {
            return Err(ReadError::TooLarge);
        }
        if head
            .header("expect")
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("100-continue"))
        {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await?;
        }
        match framing {
            Framing::Length(n) => self.take(n).await,
            Framing::Chunked => self.read_chunked(max).await,
        }
    }

    /// Writes a complete answer.
    pub(crate) async fn write(&mut self, response: &Response, keep_alive: bool) -> io::Result<()> {
        let head = response_head(response, response.body.len(), keep_alive);
        self.stream.write_all(head.as_bytes()).await?;
        self.stream.write_all(&response.body).await?;
        self.stream.flush().await
    }

    /// Writes the answer's head with its full `Content-Length` but only half its body, then
    /// closes the connection.
    pub(crate) async fn write_truncated(mut self, response: &Response) -> io::Result<()> {
        let head = response_head(response, response.body.len(), false);
        self.stream.write_all(head.as_bytes()).await?;
        let cut = response.body.len() / 2;
        self.stream.write_all(&response.body[..cut]).await?;
        self.stream.flush().await?;
        self.stream.shutdown().await
    }

    /// Drops the connection with a TCP reset instead of an orderly close.
    pub(crate) fn reset(self) {
        // Linger zero makes the close send RST; without it the client would see a clean EOF.
        let _ = self.stream.set_zero_linger();
    }

    /// Never answers: reads and discards until the client gives up and closes.
    pub(crate) async fn hold(mut self) {
        let mut sink = [0u8; 8192];
        while matches!(self.stream.read(&mut sink).await, Ok(n) if n > 0) {}
    }

    async fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// The next `n` bytes.
    async fn take(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.buf.len() < n {
            if self.fill().await? == 0 {
                return Err(ReadError::Closed);
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// The next line, without its CRLF.
    async fn take_line(&mut self, max: usize) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[..end].to_vec();
                self.buf.drain(..end + 2);
                return Ok(line);
            }
            if self.buf.len() > max {
                return Err(ReadError::Malformed("line too long in chunked body"));
            }
            if self.fill().await? == 0 {
                return Err(ReadError::Closed);
            }
        }
    }

    async fn read_chunked(&mut self, max: usize) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let line = self.take_line(MAX_CHUNK_LINE).await?;
            let size = chunk_size(&line)?;
            if size == 0 {
                break;
            }
            if body.len().saturating_add(size) > max {
                return Err(ReadError::TooLarge);
            }
            body.extend(self.take(size).await?);
            if !self.take_line(2).await?.is_empty() {
                return Err(ReadError::Malformed("chunk not followed by CRLF"));
            }
        }
        // Trailers, up to the empty line.
        while !self.take_line(MAX_HEAD_BYTES).await?.is_empty() {}
        Ok(body)
    }
}

/// Parses a complete head at the start of `buf`, with the number of bytes it takes.
fn parse_head(buf: &[u8]) -> Result<Option<(RequestHead, usize)>, ReadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let used = match request.parse(buf) {
        Ok(httparse::Status::Complete(used)) => used,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(ReadError::TooLarge),
        Err(_) => return Err(ReadError::Malformed("not an HTTP/1.x request")),
    };
    let head = RequestHead {
        method: request.method.unwrap_or_default().to_owned(),
        target: request.path.unwrap_or_default().to_owned(),
        minor_version: request.version.unwrap_or(1),
        headers: request
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
    };
    Ok(Some((head, used)))
}

/// The size of a chunk from its size line (`1a;ext=1`).
fn chunk_size(line: &[u8]) -> Result<usize, ReadError> {
    let text = std::str::from_utf8(line).unwrap_or_default();
    let hex = text.split(';').next().unwrap_or_default().trim();
    usize::from_str_radix(hex, 16).map_err(|_| ReadError::Malformed("invalid chunk size"))
}

fn response_head(response: &Response, content_length: usize, keep_alive: bool) -> String {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason_phrase(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let connection = if keep_alive { "keep-alive" } else { "close" };
    head.push_str(&format!(
        "Content-Length: {content_length}\r\nConnection: {connection}\r\n\r\n"
    ));
    head
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A connection whose client side has sent `bytes` (and then closed its write side).
    async fn connection_with(bytes: &'static [u8]) -> Connection {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.write_all(bytes).await.unwrap();
            client.shutdown().await.unwrap();
            // Keep the read side open until the server is done.
            let mut sink = Vec::new();
            let _ = client.read_to_end(&mut sink).await;
        });
        let (stream, _) = listener.accept().await.unwrap();
        Connection::new(stream)
    }

    #[tokio::test]
    async fn reads_keep_alive_requests_with_length_and_chunked_bodies() {
        let mut conn = connection_with(
            b"POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc\
              POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
              2;ext\r\nhe\r\n3\r\nllo\r\n0\r\nTrailer: t\r\n\r\n",
        )
        .await;
        let first = conn.read_head().await.unwrap().unwrap();
        assert_eq!(
            (first.method.as_str(), first.path(), first.query()),
            ("POST", "/a", "x=1")
        );
        assert_eq!(first.header("HOST"), Some("h"));
        assert!(first.keep_alive());
        assert_eq!(conn.read_body(&first, 100).await.unwrap(), b"abc");
        let second = conn.read_head().await.unwrap().unwrap();
        assert!(!second.keep_alive());
        assert_eq!(conn.read_body(&second, 100).await.unwrap(), b"hello");
        assert!(conn.read_head().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn refuses_bodies_over_the_limit_and_garbage() {
        let mut conn =
            connection_with(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789").await;
        let head = conn.read_head().await.unwrap().unwrap();
        assert!(matches!(
            conn.read_body(&head, 9).await,
            Err(ReadError::TooLarge)
        ));

        let mut chunked = connection_with(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
        )
        .await;
        let head = chunked.read_head().await.unwrap().unwrap();
        assert!(matches!(
            chunked.read_body(&head, 9).await,
            Err(ReadError::TooLarge)
        ));

        let mut garbage = connection_with(b"\x00\x01 not http\r\n\r\n").await;
        assert!(matches!(
            garbage.read_head().await,
            Err(ReadError::Malformed(_))
        ));

        let mut bad_length =
            connection_with(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").await;
        let head = bad_length.read_head().await.unwrap().unwrap();
        assert!(matches!(
            bad_length.read_body(&head, 9).await,
            Err(ReadError::Malformed(_))
        ));
    }

    #[tokio::test]
    async fn a_body_cut_short_by_the_client_is_a_closed_connection() {
        let mut conn = connection_with(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc").await;
        let head = conn.read_head().await.unwrap().unwrap();
        assert!(matches!(
            conn.read_body(&head, 100).await,
            Err(ReadError::Closed)
        ));
    }

    #[test]
    fn http_1_0_closes_unless_asked_to_keep_alive() {
        let head = |version: &str, connection: Option<&str>| {
            let mut text = format!("GET / HTTP/{version}\r\n");
            if let Some(c) = connection {
                text.push_str(&format!("Connection: {c}\r\n"));
            }
            text.push_str("\r\n");
            parse_head(text.as_bytes()).unwrap().unwrap().0
        };
        assert!(!head("1.0", None).keep_alive());
        assert!(head("1.0", Some("Keep-Alive")).keep_alive());
        assert!(head("1.1", None).keep_alive());
        assert!(!head("1.1", Some("upgrade, close")).keep_alive());
    }

    #[test]
    fn response_head_announces_the_full_length() {
        let r = Response::new(503, "text/plain", "down").with_header("X-A", "1");
        assert_eq!(
            response_head(&r, 4, false),
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nX-A: 1\r\n\
             Content-Length: 4\r\nConnection: close\r\n\r\n"
        );
    }
}
