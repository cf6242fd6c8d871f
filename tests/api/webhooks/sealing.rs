//! Webhook signing secrets at rest: sealed, bound to their webhook, and re-sealed with
//! tenant secrets by `secrets rotate-key`.

use tenantpilot::secrets::{rotate_key, SecretCipher, SecretKey};
use tenantpilot::webhooks::secrets::{load, store, LoadError};
use tenantpilot::webhooks::SigningSecret;
use uuid::Uuid;

use crate::helpers::fresh_database;

#[tokio::test]
async fn a_key_rotation_reseals_webhook_secrets_too() {
    let (_, pool, _guard) = fresh_database().await;
    let client = pool.get().await.unwrap();
    let (old, new) = (
        SecretCipher::new(SecretKey::generate()),
        SecretCipher::new(SecretKey::generate()),
    );
    let (webhook, other) = (Uuid::now_v7(), Uuid::now_v7());
    let secret = SigningSecret::generate();
    let id = store(&client, &old, webhook, &secret).await.unwrap();
    let opened = load(&client, &old, webhook, &[id]).await.unwrap();
    assert_eq!(opened, vec![(id, secret.clone())]);
    // bound to its webhook: moved to another one, it no longer opens
    client
        .execute(
            "UPDATE webhook_secrets SET webhook_id = $1 WHERE id = $2",
            &[&other, &id],
        )
        .await
        .unwrap();
    assert!(matches!(
        load(&client, &old, other, &[id]).await,
        Err(LoadError::Secret(
            tenantpilot::secrets::SecretError::Tampered
        ))
    ));
    client
        .execute(
            "UPDATE webhook_secrets SET webhook_id = $1 WHERE id = $2",
            &[&webhook, &id],
        )
        .await
        .unwrap();

    assert_eq!(rotate_key(&pool, &old, &new).await.unwrap(), 1);
    let opened = load(&client, &new, webhook, &[id]).await.unwrap();
    assert_eq!(opened, vec![(id, secret)]);
    assert!(matches!(
        load(&client, &old, webhook, &[id]).await,
        Err(LoadError::Secret(
            tenantpilot::secrets::SecretError::WrongKey { .. }
        ))
    ));
    assert_eq!(rotate_key(&pool, &old, &new).await.unwrap(), 0);
}
