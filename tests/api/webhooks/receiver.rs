//! A real HTTP receiver for webhook tests, and signature verification with an HMAC of its
//! own (ring), independent of the service's signer (the `hmac` crate).

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

/// What the receiver answers.
#[derive(Debug, Clone)]
pub enum Answer {
    Status(u16),
    /// 200 after this long.
    Slow(Duration),
    /// 302 to this location.
    Redirect(String),
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub content_type: String,
    pub body: String,
    pub path: String,
    pub received_at: Instant,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }

    /// The `v1,` signatures of `webhook-signature`.
    pub fn signatures(&self) -> Vec<&str> {
        self.signature
            .split(' ')
            .filter_map(|part| part.strip_prefix("v1,"))
            .collect()
    }

    /// Whether one of the signatures is `secret`'s (a `whsec_...` value), checked with
    /// ring's HMAC-SHA256 over "{id}.{timestamp}.{body}", as the specification says.
    pub fn signed_by(&self, secret: &str) -> bool {
        let key_bytes = STANDARD
            .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
            .expect("the secret is base64");
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);
        let signed = format!("{}.{}.{}", self.id, self.timestamp, self.body);
        self.signatures().iter().any(|signature| {
            STANDARD
                .decode(signature)
                .is_ok_and(|tag| ring::hmac::verify(&key, signed.as_bytes(), &tag).is_ok())
        })
    }
}

struct State {
    answer: Mutex<Answer>,
    deliveries: Mutex<Vec<Delivery>>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    state: Arc<State>,
    server: ServerHandle,
}

async fn receive(state: web::Data<State>, request: HttpRequest, body: String) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.deliveries.lock().unwrap().push(Delivery {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body,
        path: request.path().to_owned(),
        received_at: Instant::now(),
    });
    let answer = state.answer.lock().unwrap().clone();
    match answer {
        Answer::Status(code) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap()).finish()
        }
        Answer::Slow(delay) => {
            tokio::time::sleep(delay).await;
            HttpResponse::Ok().finish()
        }
        Answer::Redirect(location) => HttpResponse::Found()
            .insert_header(("location", location))
            .finish(),
    }
}

impl Receiver {
    /// A receiver on a free port answering `answer`.
    pub async fn start(answer: Answer) -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap(), answer)
    }

    /// A receiver on `port` (one the test reserved and let go).
    pub async fn start_on_port(port: u16, answer: Answer) -> Self {
        Self::start_on(TcpListener::bind(("127.0.0.1", port)).unwrap(), answer)
    }

    fn start_on(listener: TcpListener, answer: Answer) -> Self {
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            answer: Mutex::new(answer),
            deliveries: Mutex::new(Vec::new()),
        });
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            addr,
            state,
            server: handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state.deliveries.lock().unwrap().clone()
    }

    /// Waits until `count` requests arrived (at most `limit`); returns them.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Delivery> {
        let started = Instant::now();
        loop {
            let deliveries = self.deliveries();
            if deliveries.len() >= count || started.elapsed() > limit {
                return deliveries;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    /// Stops the server with the test (the command is sent at once; nothing waits for it).
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

/// A port nobody listens on (bound, then let go): connections to it are refused.
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
