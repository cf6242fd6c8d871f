//! Apple automated device enrollment (DEP) profiles live under each DEP token:
//! `depOnboardingSettings` is listed, then `depOnboardingSettings/{id}/enrollmentProfiles`
//! read whole (every page) per token. Each profile is one backed-up object, with the id of
//! its token in `depOnboardingSettingId` (the profile itself does not name it, and a restore
//! needs to know which token to create it under).
//! api-reference/beta/resources/intune-enrollment-deponboardingsetting.md,
//! intune-enrollment-enrollmentprofile.md.

use serde_json::{json, Value};

use super::object::{each, object_id, Outcome};
use crate::graph::paging::Reader;
use crate::graph::types::{FetchedType, GraphError};

pub(crate) async fn fetch(reader: &Reader<'_>, path: &str) -> Result<FetchedType, GraphError> {
    let tokens = reader.list(path).await?;
    let mut fetched = FetchedType::default();
    for token in tokens {
        let token_id = object_id(&token)?.to_owned();
        let Some(profiles) = reader
            .detail_list(&format!("{path}/{token_id}/enrollmentProfiles"))
            .await?
        else {
            // the token was removed since the list: its profiles went with it
            fetched.deleted_while_reading += 1;
            continue;
        };
        let read = each(reader, profiles, |mut profile| {
            let token_id = token_id.clone();
            async move {
                if let Value::Object(fields) = &mut profile {
                    fields.insert("depOnboardingSettingId".into(), json!(token_id));
                }
                Ok(Outcome::read(profile))
            }
        })
        .await?;
        fetched.listed += read.listed;
        fetched.deleted_while_reading += read.deleted_while_reading;
        fetched.objects.extend(read.objects);
        fetched.warnings.extend(read.warnings);
        fetched.incomplete.extend(read.incomplete);
    }
    Ok(fetched)
}
