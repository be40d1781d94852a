//! A webhook receiver on 127.0.0.1 that records every call and answers as the platform its
//! path names, in its own thread and runtime (so that blocking tests can use it too); stopped
//! when dropped.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) path: String,
    pub(crate) query: HashMap<String, String>,
    pub(crate) raw: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Call {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Everything the call carried, as text: the request line, headers and body.
    pub(crate) fn everything(&self) -> String {
        let mut text = self.raw.clone();
        for (name, value) in &self.headers {
            text.push_str(&format!(
                "\n{name}: {}",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&self.body));
        text
    }
}

type Calls = Arc<Mutex<Vec<Call>>>;

pub(crate) struct Receiver {
    pub(crate) address: SocketAddr,
    calls: Calls,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

async fn answer(State(calls): State<Calls>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let query = uri
        .query()
        .map(|q| serde_urlencoded::from_str(q).expect("a query"))
        .unwrap_or_default();
    let path = uri.path().to_string();
    calls.lock().expect("calls").push(Call {
        path: path.clone(),
        query,
        raw: uri.to_string(),
        headers,
        body,
    });
    let json = |text: &'static str| ([("content-type", "application/json")], text).into_response();
    match path.as_str() {
        "/wecom" | "/dingtalk" => json(r#"{"errcode":0,"errmsg":"ok"}"#),
        "/feishu" => json(r#"{"code":0,"data":{},"msg":"success"}"#),
        "/slack" => "ok".into_response(),
        "/wecom-refuses" => json(r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#),
        "/fail500" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "/redirect" => (StatusCode::FOUND, [("location", "/json")]).into_response(),
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            StatusCode::OK.into_response()
        }
        // `/json`, and `/sns` for the notifications an SNS server delivers.
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

impl Receiver {
    pub(crate) fn start() -> Self {
        let calls: Calls = Arc::default();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, address) = std::sync::mpsc::channel();
        let app = Router::new().fallback(answer).with_state(calls.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                ready
                    .send(listener.local_addr().expect("address"))
                    .expect("ready");
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Self {
            address: address.recv().expect("receiver started"),
            calls,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls").clone()
    }

    /// The calls once there are `count` of them (or after `seconds`, whatever there are).
    pub(crate) fn wait_for(&self, count: usize, seconds: u64) -> Vec<Call> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let calls = self.calls();
            if calls.len() >= count || Instant::now() > deadline {
                return calls;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // A handler still sleeping (`/hang`) is not waited for: the thread ends with the test.
        let _ = self.thread.take();
    }
}
