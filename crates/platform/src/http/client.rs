//! The outgoing HTTP client's common setup: webhook deliveries and the identity provider's
//! keys. rustls with the ring provider, the system's root certificates.

use std::time::Duration;

/// A client builder with TLS ready, a timeout for the whole request and for connecting, and a
/// `User-Agent` naming this service.
pub fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    // The first caller installs ring as the process's TLS provider; later calls find it there.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("partnerships/", env!("CARGO_PKG_VERSION")))
}
