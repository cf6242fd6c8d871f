//! The process's TLS provider: rustls on ring.
//!
//! reqwest 0.13 offers rustls either with aws-lc-rs (its `rustls` feature; aws-lc-sys
//! builds from C, minutes on a small machine) or with no provider (`rustls-no-provider`),
//! which we use. Then EVERY `reqwest::Client` built in the process panics unless a rustls
//! provider was installed first, and Cargo unifies features, so that includes the clients
//! of the test suite and of any other integration (webhooks). Hence the provider is
//! installed when the program loads, before `main` and before any test runs, and again
//! (a no-op) by `GraphClient::new` on platforms without a load-time hook.

/// Makes rustls on ring the process's TLS provider; later calls do nothing.
pub fn install_tls_provider() {
    // An error only says a provider is installed already, which is all we need.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Run by the loader, like a C constructor: it only allocates and sets a once-cell, which
/// is safe before `main`. rustc keeps `#[used]` statics of a library when linking.
#[used]
#[cfg_attr(
    any(target_os = "linux", target_os = "android", target_os = "freebsd"),
    link_section = ".init_array"
)]
#[cfg_attr(target_vendor = "apple", link_section = "__DATA,__mod_init_func")]
#[cfg_attr(windows, link_section = ".CRT$XCU")]
static INSTALL_AT_LOAD: extern "C" fn() = install_at_load;

extern "C" fn install_at_load() {
    install_tls_provider();
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_provider_is_installed_before_any_client_is_built() {
        // No call here: the load-time hook has already run.
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        assert!(reqwest::Client::builder().build().is_ok());
    }
}
