//! The `$default` route: answers every request no other route serves with a 404
//! (`route-not-found`) or, when the path exists under another method, a 405 with `Allow`.
//! Without it API Gateway would answer `{"message":"Not Found"}`, which is not problem+json.

use lambda_http::{Body, Request, Response};
use shared::http::{ApiError, RouteMatch, error_response, match_route, request_id, request_path};

/// Handles one request.
pub fn handle(req: &Request) -> Response<Body> {
    let path = request_path(req);
    let method = req.method().as_str().to_owned();
    let request_id = request_id(req);
    let err = match match_route(&method, &path) {
        RouteMatch::MethodNotAllowed(allowed) => ApiError::MethodNotAllowed { method, allowed },
        RouteMatch::NotFound => ApiError::RouteNotFound {
            method,
            path: path.clone(),
        },
        RouteMatch::Found(route, _) => {
            // API Gateway routes this to its own function; reaching here means the deployed
            // routes and the route table disagree.
            tracing::error!(
                function = route.function,
                "routed request reached the $default route"
            );
            ApiError::RouteNotFound {
                method,
                path: path.clone(),
            }
        }
    };
    error_response(&err, &path, &request_id)
}
