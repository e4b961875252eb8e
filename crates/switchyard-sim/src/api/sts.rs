//! STS over the query protocol: who the caller is, and assuming a role (for configs with
//! `role_arn`). Any role of the account may be assumed; the session's credentials are accepted
//! like any others.

use super::{ApiError, ApiResult, Call, Reply};
use crate::proto::Doc;
use crate::world::World;

pub fn handle(world: &mut World, call: &Call) -> ApiResult {
    match call.operation.as_str() {
        "GetCallerIdentity" => {
            let key = access_key(call);
            let (user_id, arn) = match key.as_deref().and_then(|k| world.callers.get(k)) {
                Some(arn) => (
                    format!("AIDA{}", key.unwrap_or_default().to_ascii_uppercase()),
                    arn.clone(),
                ),
                None => (world.caller_user_id.clone(), world.caller_arn.clone()),
            };
            Ok(Reply::Doc(
                Doc::map()
                    .with("UserId", user_id.as_str())
                    .with("Account", world.account_id.as_str())
                    .with("Arn", arn.as_str()),
            ))
        }
        "AssumeRole" => assume_role(world, call),
        other => Err(ApiError::bad(
            "InvalidAction",
            format!("The action {other} is not valid for this web service."),
        )),
    }
}

/// The access key ID a request was signed with (SigV4's `Credential=KEY/date/...`).
fn access_key(call: &Call) -> Option<String> {
    let auth = call.header("authorization")?;
    let (_, rest) = auth.split_once("Credential=")?;
    let key = rest.split('/').next()?.trim();
    (!key.is_empty()).then(|| key.to_string())
}

/// `AssumeRole`: temporary credentials for `arn:aws:iam::ACCOUNT:role/NAME`, valid for
/// `DurationSeconds` (default one hour).
fn assume_role(world: &mut World, call: &Call) -> ApiResult {
    let role = call.input.str("RoleArn").unwrap_or_default().to_string();
    let session = call
        .input
        .str("RoleSessionName")
        .unwrap_or_default()
        .to_string();
    let Some(name) = role
        .strip_prefix(&format!("arn:aws:iam::{}:role/", world.account_id))
        .map(|n| n.rsplit('/').next().unwrap_or(n).to_string())
        .filter(|n| !n.is_empty())
    else {
        return Err(ApiError::new(
            403,
            "AccessDenied",
            format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role}",
                world.caller_arn
            ),
        ));
    };
    if session.is_empty() || session.len() > 64 {
        return Err(ApiError::bad(
            "ValidationError",
            "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint",
        ));
    }
    let seconds: i64 = call
        .input
        .str("DurationSeconds")
        .and_then(|d| d.parse().ok())
        .unwrap_or(3600);
    let expires = world.now + seconds * 1000;
    let n = world.now;
    Ok(Reply::Doc(
        Doc::map()
            .with(
                "Credentials",
                Doc::map()
                    .with(
                        "AccessKeyId",
                        format!("ASIASIM{:012}", n.rem_euclid(1_000_000_000_000)).as_str(),
                    )
                    .with("SecretAccessKey", "switchyard-sim-session-secret")
                    .with(
                        "SessionToken",
                        format!("switchyard-sim-session-{n}").as_str(),
                    )
                    .with("Expiration", crate::world::iso_ms(expires).as_str()),
            )
            .with(
                "AssumedRoleUser",
                Doc::map()
                    .with(
                        "AssumedRoleId",
                        format!("AROASIM{}:{session}", name.len()).as_str(),
                    )
                    .with(
                        "Arn",
                        format!(
                            "arn:aws:sts::{}:assumed-role/{name}/{session}",
                            world.account_id
                        )
                        .as_str(),
                    ),
            ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(key: &str) -> Call {
        let mut headers = hyper::HeaderMap::new();
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={key}/20261201/eu-west-1/sts/aws4_request, SignedHeaders=host, Signature=abc"
        );
        headers.insert("authorization", auth.parse().unwrap());
        Call {
            service: "sts",
            operation: "GetCallerIdentity".into(),
            proto: super::super::Proto::Query { xmlns: "" },
            method: hyper::Method::POST,
            segments: Vec::new(),
            query: Vec::new(),
            headers,
            body: bytes::Bytes::new(),
            input: Doc::map(),
            region: "eu-west-1".into(),
        }
    }

    fn arn(world: &mut World, key: &str) -> String {
        match handle(world, &call(key)) {
            Ok(Reply::Doc(d)) => d.str("Arn").unwrap_or_default().to_string(),
            _ => String::new(),
        }
    }

    #[test]
    fn each_access_key_is_its_own_caller_and_any_other_the_default() {
        let mut w = World::new("t", 0, 1.0, true);
        w.callers.insert(
            "AKIASIMBOB".into(),
            "arn:aws:iam::123456789012:user/bob".into(),
        );
        assert_eq!(
            arn(&mut w, "AKIASIMBOB"),
            "arn:aws:iam::123456789012:user/bob"
        );
        assert_eq!(arn(&mut w, "switchyard-sim"), w.caller_arn.clone());
    }
}
