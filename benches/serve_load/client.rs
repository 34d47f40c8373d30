//! The load generator's HTTP client. It runs on the same cores as the
//! server it measures, which remote clients would not, so it does as
//! little per request as a load generator can: one keep-alive HTTP/1.1
//! connection per client, each request's bytes made before the clock
//! starts, the answer read into a buffer kept from one request to the
//! next, its status and length read from the head and its body given a
//! cheap look (the caller parses a sample in full). Any failure (refused
//! connection, timeout, a closed or malformed answer) is an `Err`, and the
//! connection is dropped: the next request opens a new one, never retries.

use std::io::{Error, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Longest wait for a connection, a write or a read: past it the request
/// is an error (ureq's global timeout, as the bench had before).
const TIMEOUT: Duration = Duration::from_secs(30);

/// `GET /api/v1/lookup?text=QUERY` with the token, as the bytes to write.
pub fn lookup_request(host: &str, token: &str, query: &str) -> Vec<u8> {
    format!(
        "GET /api/v1/lookup?text={} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n",
        encode(query)
    )
    .into_bytes()
}

/// Percent-encoding of a query parameter: every byte but the unreserved.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One client's connection to the server.
pub struct Conn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Conn {
        Conn {
            addr,
            stream: None,
            buf: vec![0; 64 * 1024],
        }
    }

    /// Send `request` and read the answer: its status and body.
    pub fn call(&mut self, request: &[u8]) -> std::io::Result<(u16, &[u8])> {
        match self.exchange(request) {
            Ok((status, body, keep)) => {
                if !keep {
                    self.stream = None;
                }
                Ok((status, &self.buf[body.0..body.1]))
            }
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }

    /// (status, the body's range in `buf`, whether the connection stays open).
    fn exchange(&mut self, request: &[u8]) -> std::io::Result<(u16, (usize, usize), bool)> {
        if self.stream.is_none() {
            let s = TcpStream::connect_timeout(&self.addr, TIMEOUT)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(TIMEOUT))?;
            s.set_write_timeout(Some(TIMEOUT))?;
            self.stream = Some(s);
        }
        let stream = self.stream.as_mut().expect("connected above");
        stream.write_all(request)?;
        // The head.
        let mut n = 0;
        let head_end = loop {
            if let Some(at) = find(&self.buf[..n], b"\r\n\r\n") {
                break at + 4;
            }
            if n == self.buf.len() {
                return Err(bad("an answer's head longer than the buffer"));
            }
            n += read_some(stream, &mut self.buf[n..])?;
        };
        let (status, length, keep) = parse_head(&self.buf[..head_end])?;
        // The body (no request is sent before the answer to the last is
        // read, so nothing may follow it).
        let end = head_end + length;
        if end > self.buf.len() {
            self.buf.resize(end, 0);
        }
        while n < end {
            n += read_some(stream, &mut self.buf[n..end])?;
        }
        if n > end {
            return Err(bad("bytes after the answer's body"));
        }
        Ok((status, (head_end, end), keep))
    }
}

fn read_some(stream: &mut TcpStream, into: &mut [u8]) -> std::io::Result<usize> {
    match stream.read(into)? {
        0 => Err(Error::new(
            ErrorKind::UnexpectedEof,
            "the server closed the connection",
        )),
        r => Ok(r),
    }
}

fn bad(what: &str) -> Error {
    Error::new(ErrorKind::InvalidData, what.to_string())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// (status, Content-Length, keep-alive) from an HTTP/1.1 answer's head.
/// An answer without Content-Length (chunked) is refused: the server
/// sends every answer this bench asks for with its length.
fn parse_head(head: &[u8]) -> std::io::Result<(u16, usize, bool)> {
    let head = std::str::from_utf8(head).map_err(|_| bad("an answer's head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.strip_prefix("HTTP/1.1 "))
        .and_then(|l| l.get(..3))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("not an HTTP/1.1 status line"))?;
    let (mut length, mut keep) = (None, true);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok();
        } else if name.eq_ignore_ascii_case("connection") {
            keep = !value.eq_ignore_ascii_case("close");
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad("a chunked answer"));
        }
    }
    let length = length.ok_or_else(|| bad("an answer without Content-Length"))?;
    Ok((status, length, keep))
}
