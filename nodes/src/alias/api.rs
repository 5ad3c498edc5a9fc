//! The agent's HTTP API, one exchange per connection:
//!
//! | request | answer |
//! |---|---|
//! | `GET /status` | `200`, the agent's status (see [`crate::alias`]) |
//! | `GET /v1/agent/checks` | `200`, the `checks` object of the status |
//! | `PUT` (or `POST`) `/v1/agent/service/register` | registers each [definition](super::definition) of the body (one per line), replacing earlier registrations of the same services: `200` `{"registered": [{"check": ID, "generation": N}, ...]}`, or `400` naming the bad line (nothing is registered) |
//!
//! Other paths answer `404`, other methods `405`; a request that cannot be
//! read `400`, a head over 8 KiB `431`, a body over 64 KiB `413`. Each
//! connection has [`TIMEOUT`] to send its request and read the answer.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::agent::Agent;
use super::definition::parse_lines;

/// How long a client has for one exchange.
pub const TIMEOUT: Duration = Duration::from_secs(5);

const MAX_HEAD: usize = 8 * 1024;
const MAX_BODY: usize = 64 * 1024;
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves the API on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, agent: Arc<Agent>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(exchange(stream, Arc::clone(&agent)));
            }
            Err(err) => {
                eprintln!("alias api: accept failed: {err}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

async fn exchange(mut stream: TcpStream, agent: Arc<Agent>) {
    let work = async {
        let response = match read_request(&mut stream).await? {
            Ok(request) => route(&agent, &request),
            Err(refusal) => refusal,
        };
        stream.write_all(&response.to_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(TIMEOUT, work).await;
}

/// A request as far as the API cares.
#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// Reads one request: `Ok(Err(response))` when it must be refused.
async fn read_request(stream: &mut TcpStream) -> io::Result<Result<Request, Response>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(head_len)) => {
                let method = parsed.method.unwrap_or_default().to_owned();
                let target = parsed.path.unwrap_or_default();
                let path = target.split('?').next().unwrap_or(target).to_owned();
                let length = parsed
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .map(|h| std::str::from_utf8(h.value).ok().and_then(|v| v.trim().parse::<usize>().ok()));
                let length = match length {
                    None => 0,
                    Some(Some(n)) if n <= MAX_BODY => n,
                    Some(Some(_)) => return Ok(Err(Response::text(413, "Payload Too Large"))),
                    Some(None) => return Ok(Err(Response::text(400, "Bad Request"))),
                };
                let mut body = buf.split_off(head_len);
                while body.len() < length {
                    let n = stream.read(&mut chunk).await?;
                    if n == 0 {
                        return Ok(Err(Response::text(400, "Bad Request")));
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
                body.truncate(length);
                return Ok(Ok(Request { method, path, body }));
            }
            Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
                return Ok(Err(Response::text(431, "Request Header Fields Too Large")))
            }
            Ok(httparse::Status::Partial) => {}
            Err(_) => return Ok(Err(Response::text(400, "Bad Request"))),
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Err(Response::text(400, "Bad Request")));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn route(agent: &Arc<Agent>, request: &Request) -> Response {
    let method = request.method.as_str();
    match (request.path.as_str(), method) {
        ("/status", "GET") => Response::json(200, &agent.status()),
        ("/v1/agent/checks", "GET") => Response::json(200, &agent.status()["checks"]),
        ("/v1/agent/service/register", "PUT" | "POST") => register(agent, &request.body),
        ("/status" | "/v1/agent/checks" | "/v1/agent/service/register", _) => Response::text(405, "Method Not Allowed"),
        _ => Response::text(404, "Not Found"),
    }
}

fn register(agent: &Arc<Agent>, body: &[u8]) -> Response {
    let Ok(text) = std::str::from_utf8(body) else {
        return Response::json(400, &json!({"error": "the body is not UTF-8"}));
    };
    let definitions = match parse_lines(text) {
        Ok(defs) if defs.is_empty() => return Response::json(400, &json!({"error": "the body holds no definition"})),
        Ok(defs) => defs,
        Err(err) => return Response::json(400, &json!({"error": err.to_string()})),
    };
    let registered: Vec<Value> = definitions
        .into_iter()
        .map(|def| {
            let writer = agent.register(def);
            json!({"check": writer.id, "generation": writer.generation})
        })
        .collect();
    Response::json(200, &json!({ "registered": registered }))
}

/// A complete answer.
#[derive(Debug)]
struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, value: &Value) -> Self {
        let mut body = serde_json::to_vec(value).expect("a serde_json::Value always serializes");
        body.push(b'\n');
        Response { status, content_type: "application/json", body }
    }

    fn text(status: u16, reason: &'static str) -> Self {
        Response { status, content_type: "text/plain; charset=utf-8", body: format!("{reason}\n").into_bytes() }
    }

    fn reason(&self) -> &'static str {
        match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            413 => "Payload Too Large",
            431 => "Request Header Fields Too Large",
            _ => "Error",
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.status,
            self.reason(),
            self.content_type,
            self.body.len()
        );
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}
