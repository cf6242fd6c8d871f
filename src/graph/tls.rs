//! The process's TLS provider: rustls on ring.
//!
//! reqwest 0.13 offers rustls either with aws-lc-rs (its `rustls` feature; aws-lc-sys
//! builds from C, minutes on a small machine) or with no provider (`rustls-no-provider`),
//! which we use. Then EVERY `reqwest::Client` built in the process panics unless a rustls
//! provider was installed first, and Cargo unifies features, so that includes the clients
//! of the test suite and of any other integration (webhooks). So `main`,
//! `Application::build` and `GraphClient::new` install it, and so do the test helpers
//! before they build a client.

/// Makes rustls on ring the process's TLS provider; later calls do nothing.
pub fn install_tls_provider() {
    // An error only says a provider is installed already, which is all we need.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    #[test]
    fn once_installed_clients_can_be_built() {
        super::install_tls_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        assert!(reqwest::Client::builder().build().is_ok());
    }
}
