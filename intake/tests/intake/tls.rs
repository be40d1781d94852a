//! The S3 client's HTTPS, as it meets AWS and Cloudflare R2: rustls with the ring provider and
//! the system's trust store, against a real TLS server on loopback (Python's `ssl`, with a
//! certificate the `openssl` command makes for the test). The staff tool lists a bucket through
//! it when the certificate is trusted (`SSL_CERT_FILE`, which the trust store reads as OpenSSL
//! does), and refuses the connection when it is not.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use crate::support::Keys;

/// Answers every GET with an empty S3 listing and prints one line per request.
const SERVER: &str = r#"
import http.server, ssl, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                b'<Name>naluga</Name><Prefix></Prefix><KeyCount>0</KeyCount>'
                b'<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>')
        self.send_response(200)
        self.send_header('Content-Type', 'application/xml')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        signed = self.headers.get('Authorization', '').startswith('AWS4-HMAC-SHA256')
        print('GET', self.path, 'signed' if signed else 'unsigned', flush=True)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

const CERTIFICATE_CONFIG: &str = "[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
CN = localhost
[ext]
subjectAltName = DNS:localhost,IP:127.0.0.1
basicConstraints = critical,CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
";

struct TlsServer {
    child: Child,
    port: u16,
    requests: BufReader<std::process::ChildStdout>,
}

/// Makes a self-signed certificate for `localhost` in `dir`: `cert.pem` and `key.pem`.
fn make_certificate(dir: &Path) {
    std::fs::write(dir.join("openssl.cnf"), CERTIFICATE_CONFIG).expect("config");
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .arg("-config")
        .arg(dir.join("openssl.cnf"))
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("openssl is installed (scripts/setup installs it)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}

impl TlsServer {
    fn start(dir: &Path) -> Self {
        make_certificate(dir);
        let mut child = Command::new("python3")
            .args(["-c", SERVER])
            .arg(dir.join("cert.pem"))
            .arg(dir.join("key.pem"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut requests = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        requests.read_line(&mut line).expect("the port");
        let port = line.trim().parse().expect("a port number");
        Self {
            child,
            port,
            requests,
        }
    }

    /// `naluga-inquiries list` on the bucket at this server, trusting `certificates` (a PEM
    /// file) as the system would.
    fn list(&self, dir: &Path, certificates: &Path) -> Output {
        let identity = Keys::new().write_identity(dir);
        Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
            .args(["--store", "s3://naluga"])
            .args([
                "--endpoint-url",
                &format!("https://localhost:{}", self.port),
            ])
            .arg("--identity")
            .arg(identity)
            .arg("list")
            .env("SSL_CERT_FILE", certificates)
            .env_remove("SSL_CERT_DIR")
            .env("AWS_ACCESS_KEY_ID", "naluga-test-key")
            .env("AWS_SECRET_ACCESS_KEY", "naluga-test-secret")
            .env("AWS_REGION", "auto")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("run naluga-inquiries")
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_s3_client_speaks_tls_with_a_trusted_certificate_and_refuses_an_unknown_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = TlsServer::start(dir.path());

    let trusted = server.list(dir.path(), &dir.path().join("cert.pem"));
    assert!(
        trusted.status.success(),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    let mut line = String::new();
    server.requests.read_line(&mut line).expect("a request");
    assert!(line.starts_with("GET /naluga/?list-type=2"), "{line}");
    assert!(line.trim_end().ends_with(" signed"), "{line}");

    // A trust store without the server's certificate: the handshake must fail.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).expect("folder");
    make_certificate(&other);
    let untrusted = server.list(dir.path(), &other.join("cert.pem"));
    assert!(
        !untrusted.status.success(),
        "an unknown certificate was accepted"
    );
    let stderr = String::from_utf8_lossy(&untrusted.stderr).to_lowercase();
    assert!(stderr.contains("certificate"), "{stderr}");
}
