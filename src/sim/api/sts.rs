//! STS over the query protocol: who the caller is.

use super::{ApiError, ApiResult, Call, Reply};
use crate::sim::proto::Doc;
use crate::sim::world::World;

pub fn handle(world: &mut World, call: &Call) -> ApiResult {
    match call.operation.as_str() {
        "GetCallerIdentity" => Ok(Reply::Doc(
            Doc::map()
                .with("UserId", world.caller_user_id.as_str())
                .with("Account", world.account_id.as_str())
                .with("Arn", world.caller_arn.as_str()),
        )),
        other => Err(ApiError::bad(
            "InvalidAction",
            format!("The action {other} is not valid for this web service."),
        )),
    }
}
