//! The same service through a real HTTP server on 127.0.0.1, as the local intake runs.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

async fn raw_request(address: std::net::SocketAddr, request: String) -> String {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    String::from_utf8(response).expect("UTF-8 response")
}

#[tokio::test]
async fn a_real_server_on_localhost_stores_json_and_form_posts() {
    let intake = Intake::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let server =
        tokio::spawn(axum::serve(listener, intake::app(intake.state.clone())).into_future());

    let body = good_json().to_string();
    let response = raw_request(
        address,
        format!(
            "POST /inquiries HTTP/1.1\r\nHost: {address}\r\nOrigin: https://www.naluga.test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(
        response.contains("access-control-allow-origin: https://www.naluga.test"),
        "{response}"
    );

    let form = encode_form(&good_form());
    let response = raw_request(
        address,
        format!(
            "POST /inquiries HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 303"), "{response}");
    assert!(
        response.contains("location: https://www.naluga.test/zh/thanks/"),
        "{response}"
    );

    // A body larger than the cap, sent without announcing its length, is cut off at the cap.
    let huge = "x".repeat(64 * 1024);
    let response = raw_request(
        address,
        format!(
            "POST /inquiries HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{huge}\r\n0\r\n\r\n",
            huge.len()
        ),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");

    assert_eq!(intake.stored().len(), 2);
    server.abort();
}
