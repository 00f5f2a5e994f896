//! The API's route table: one entry per HTTP route, each naming the Lambda function behind it
//! (one route per function, except nearby-cafes, which serves `GET /cafes/nearby` and its
//! signed-in twin `GET /me/nearby-cafes`).
//!
//! template.yaml, infra/openapi.yaml and the local server must hold exactly these
//! (method, path) pairs; a test in `tests/` checks all three against this table.

/// One HTTP route served by one function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// Path template with `{name}` parameters, as in template.yaml and OpenAPI.
    pub path: &'static str,
    /// The function's folder (and crate) name under `functions/`.
    pub function: &'static str,
    /// Whether the route needs an authenticated user (API Gateway's JWT authorizer in AWS, the
    /// local server's HS256 check locally).
    pub auth: bool,
}

/// `GET /cafes`
pub const LIST_CAFES: RouteSpec = RouteSpec {
    method: "GET",
    path: "/cafes",
    function: "list-cafes",
    auth: false,
};
/// `GET /cafes/{cafeId}`
pub const GET_CAFE: RouteSpec = RouteSpec {
    method: "GET",
    path: "/cafes/{cafeId}",
    function: "get-cafe",
    auth: false,
};
/// `GET /cafes/nearby` (a literal segment, so it wins over `/cafes/{cafeId}`)
pub const NEARBY_CAFES: RouteSpec = RouteSpec {
    method: "GET",
    path: "/cafes/nearby",
    function: "nearby-cafes",
    auth: false,
};
/// `GET /roasters`
pub const LIST_ROASTERS: RouteSpec = RouteSpec {
    method: "GET",
    path: "/roasters",
    function: "list-roasters",
    auth: false,
};
/// `GET /roasters/{roasterId}`
pub const GET_ROASTER: RouteSpec = RouteSpec {
    method: "GET",
    path: "/roasters/{roasterId}",
    function: "get-roaster",
    auth: false,
};
/// `GET /artisans/{artisanId}`
pub const GET_ARTISAN: RouteSpec = RouteSpec {
    method: "GET",
    path: "/artisans/{artisanId}",
    function: "get-artisan",
    auth: false,
};
/// `GET /artisans`
pub const LIST_ARTISANS: RouteSpec = RouteSpec {
    method: "GET",
    path: "/artisans",
    function: "list-artisans",
    auth: false,
};
/// `GET /cities`
pub const LIST_CITIES: RouteSpec = RouteSpec {
    method: "GET",
    path: "/cities",
    function: "list-cities",
    auth: false,
};
/// `GET /brewing-methods`
pub const LIST_BREWING_METHODS: RouteSpec = RouteSpec {
    method: "GET",
    path: "/brewing-methods",
    function: "list-brewing-methods",
    auth: false,
};
/// `GET /brewing-methods/{slug}`
pub const GET_BREWING_METHOD: RouteSpec = RouteSpec {
    method: "GET",
    path: "/brewing-methods/{slug}",
    function: "get-brewing-method",
    auth: false,
};
/// `POST /cafes/{cafeId}/reviews`
pub const CREATE_REVIEW: RouteSpec = RouteSpec {
    method: "POST",
    path: "/cafes/{cafeId}/reviews",
    function: "create-review",
    auth: true,
};
/// `GET /cafes/{cafeId}/reviews`
pub const LIST_REVIEWS: RouteSpec = RouteSpec {
    method: "GET",
    path: "/cafes/{cafeId}/reviews",
    function: "list-reviews",
    auth: false,
};
/// `PUT /reviews/{reviewId}`
pub const UPDATE_REVIEW: RouteSpec = RouteSpec {
    method: "PUT",
    path: "/reviews/{reviewId}",
    function: "update-review",
    auth: true,
};
/// `DELETE /reviews/{reviewId}`
pub const DELETE_REVIEW: RouteSpec = RouteSpec {
    method: "DELETE",
    path: "/reviews/{reviewId}",
    function: "delete-review",
    auth: true,
};
/// `POST /stories`
pub const CREATE_STORY: RouteSpec = RouteSpec {
    method: "POST",
    path: "/stories",
    function: "create-story",
    auth: true,
};
/// `GET /stories`
pub const LIST_STORIES: RouteSpec = RouteSpec {
    method: "GET",
    path: "/stories",
    function: "list-stories",
    auth: false,
};
/// `GET /stories/{storyId}`
pub const GET_STORY: RouteSpec = RouteSpec {
    method: "GET",
    path: "/stories/{storyId}",
    function: "get-story",
    auth: false,
};

/// `POST /cafes/{cafeId}/photos`
pub const CREATE_PHOTO: RouteSpec = RouteSpec {
    method: "POST",
    path: "/cafes/{cafeId}/photos",
    function: "create-photo",
    auth: true,
};
/// `GET /cafes/{cafeId}/photos`
pub const LIST_CAFE_PHOTOS: RouteSpec = RouteSpec {
    method: "GET",
    path: "/cafes/{cafeId}/photos",
    function: "list-cafe-photos",
    auth: false,
};
/// `GET /photos/{photoId}`
pub const GET_PHOTO: RouteSpec = RouteSpec {
    method: "GET",
    path: "/photos/{photoId}",
    function: "get-photo",
    auth: false,
};
/// `DELETE /photos/{photoId}`
pub const DELETE_PHOTO: RouteSpec = RouteSpec {
    method: "DELETE",
    path: "/photos/{photoId}",
    function: "delete-photo",
    auth: true,
};
/// `POST /photos/{photoId}/upload-form`
pub const CREATE_UPLOAD_FORM: RouteSpec = RouteSpec {
    method: "POST",
    path: "/photos/{photoId}/upload-form",
    function: "create-upload-form",
    auth: true,
};

/// `GET /me`
pub const GET_ME: RouteSpec = RouteSpec {
    method: "GET",
    path: "/me",
    function: "get-me",
    auth: true,
};
/// `GET /me/nearby-cafes`: `GET /cafes/nearby` for a signed-in caller, served by the same
/// function (the nearby-ranking experiment's unit is then the caller's public id).
pub const MY_NEARBY_CAFES: RouteSpec = RouteSpec {
    method: "GET",
    path: "/me/nearby-cafes",
    function: "nearby-cafes",
    auth: true,
};
/// `GET /me/experiments`
pub const GET_MY_EXPERIMENTS: RouteSpec = RouteSpec {
    method: "GET",
    path: "/me/experiments",
    function: "get-my-experiments",
    auth: true,
};
/// `PUT /me`
pub const UPDATE_ME: RouteSpec = RouteSpec {
    method: "PUT",
    path: "/me",
    function: "update-me",
    auth: true,
};
/// `GET /users/{userId}`
pub const GET_USER: RouteSpec = RouteSpec {
    method: "GET",
    path: "/users/{userId}",
    function: "get-user",
    auth: false,
};
/// `GET /users/{userId}/reviews`
pub const LIST_USER_REVIEWS: RouteSpec = RouteSpec {
    method: "GET",
    path: "/users/{userId}/reviews",
    function: "list-user-reviews",
    auth: false,
};
/// `PUT /me/saved-cafes/{cafeId}`
pub const SAVE_CAFE: RouteSpec = RouteSpec {
    method: "PUT",
    path: "/me/saved-cafes/{cafeId}",
    function: "save-cafe",
    auth: true,
};
/// `DELETE /me/saved-cafes/{cafeId}`
pub const UNSAVE_CAFE: RouteSpec = RouteSpec {
    method: "DELETE",
    path: "/me/saved-cafes/{cafeId}",
    function: "unsave-cafe",
    auth: true,
};
/// `GET /me/saved-cafes`
pub const LIST_SAVED_CAFES: RouteSpec = RouteSpec {
    method: "GET",
    path: "/me/saved-cafes",
    function: "list-saved-cafes",
    auth: true,
};
/// `PUT /me/partners/{partnerId}`
pub const GRANT_CONSENT: RouteSpec = RouteSpec {
    method: "PUT",
    path: "/me/partners/{partnerId}",
    function: "grant-consent",
    auth: true,
};
/// `DELETE /me/partners/{partnerId}`
pub const WITHDRAW_CONSENT: RouteSpec = RouteSpec {
    method: "DELETE",
    path: "/me/partners/{partnerId}",
    function: "withdraw-consent",
    auth: true,
};
/// `GET /reviews/{reviewId}`
pub const GET_REVIEW: RouteSpec = RouteSpec {
    method: "GET",
    path: "/reviews/{reviewId}",
    function: "get-review",
    auth: false,
};
/// `PUT /stories/{storyId}`
pub const UPDATE_STORY: RouteSpec = RouteSpec {
    method: "PUT",
    path: "/stories/{storyId}",
    function: "update-story",
    auth: true,
};
/// `DELETE /stories/{storyId}`
pub const DELETE_STORY: RouteSpec = RouteSpec {
    method: "DELETE",
    path: "/stories/{storyId}",
    function: "delete-story",
    auth: true,
};

/// `DELETE /me`
pub const DELETE_ME: RouteSpec = RouteSpec {
    method: "DELETE",
    path: "/me",
    function: "delete-me",
    auth: true,
};
/// `GET /me/export`
pub const EXPORT_ME: RouteSpec = RouteSpec {
    method: "GET",
    path: "/me/export",
    function: "export-me",
    auth: true,
};

/// Every routed function.
/// `GET /health`: what Route 53's health checks probe in each region.
pub const HEALTH: RouteSpec = RouteSpec {
    method: "GET",
    path: "/health",
    function: "health",
    auth: false,
};

pub const ROUTES: &[RouteSpec] = &[
    LIST_CAFES,
    GET_CAFE,
    NEARBY_CAFES,
    LIST_ROASTERS,
    GET_ROASTER,
    GET_ARTISAN,
    LIST_ARTISANS,
    LIST_CITIES,
    LIST_BREWING_METHODS,
    GET_BREWING_METHOD,
    CREATE_REVIEW,
    LIST_REVIEWS,
    UPDATE_REVIEW,
    DELETE_REVIEW,
    CREATE_STORY,
    LIST_STORIES,
    GET_STORY,
    CREATE_PHOTO,
    LIST_CAFE_PHOTOS,
    GET_PHOTO,
    GET_ME,
    GET_MY_EXPERIMENTS,
    MY_NEARBY_CAFES,
    UPDATE_ME,
    GET_USER,
    LIST_USER_REVIEWS,
    SAVE_CAFE,
    UNSAVE_CAFE,
    GRANT_CONSENT,
    WITHDRAW_CONSENT,
    LIST_SAVED_CAFES,
    GET_REVIEW,
    UPDATE_STORY,
    DELETE_STORY,
    DELETE_ME,
    EXPORT_ME,
    DELETE_PHOTO,
    CREATE_UPLOAD_FORM,
    HEALTH,
];

/// The (first) route a function serves (`None` for a name not in [`ROUTES`], which the
/// route-table tests rule out for every function crate).
pub fn route_of(function: &str) -> Option<&'static RouteSpec> {
    ROUTES.iter().find(|r| r.function == function)
}

/// Path parameters captured from a concrete path.
pub type PathParams = Vec<(String, String)>;

/// What the route table says about a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteMatch {
    /// A route serves this method and path.
    Found(&'static RouteSpec, PathParams),
    /// The path exists but not for this method; the allowed methods.
    MethodNotAllowed(Vec<&'static str>),
    /// No route has this path.
    NotFound,
}

/// Matches `path` against a template; literal segments must be equal, `{name}` captures one
/// non-empty, percent-decoded segment. Returns the captures and how many segments were literal.
pub fn match_path(template: &str, path: &str) -> Option<(PathParams, usize)> {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let mut t = template.split('/');
    let mut p = path.split('/');
    let mut params = Vec::new();
    let mut literal = 0;
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some((params, literal)),
            (Some(ts), Some(ps)) => {
                if let Some(name) = ts.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                    if ps.is_empty() {
                        return None;
                    }
                    params.push((name.to_owned(), percent_decode(ps)?));
                } else if ts == ps {
                    literal += 1;
                } else {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Finds the route for a request the way API Gateway does: the most specific path (literal
/// segments beat parameters) that has this method.
/// Whether a request `method` is served by a route of `route_method`: itself, or `HEAD` by a
/// `GET` route (RFC 9110 §9.3.2: the same answer without its body).
pub fn method_serves(method: &str, route_method: &str) -> bool {
    method.eq_ignore_ascii_case(route_method)
        || (method.eq_ignore_ascii_case("HEAD") && route_method.eq_ignore_ascii_case("GET"))
}

/// The `Allow` list of a route: `GET` routes also answer `HEAD`.
pub fn allowed_methods(route_method: &'static str) -> Vec<&'static str> {
    if route_method == "GET" {
        vec!["GET", "HEAD"]
    } else {
        vec![route_method]
    }
}

pub fn match_route(method: &str, path: &str) -> RouteMatch {
    let mut candidates: Vec<(&'static RouteSpec, PathParams, usize)> = ROUTES
        .iter()
        .filter_map(|r| match_path(r.path, path).map(|(params, literal)| (r, params, literal)))
        .collect();
    if candidates.is_empty() {
        return RouteMatch::NotFound;
    }
    candidates.sort_by_key(|c| std::cmp::Reverse(c.2));
    if let Some((route, params, _)) = candidates
        .iter()
        .find(|(r, _, _)| method_serves(method, r.method))
    {
        return RouteMatch::Found(route, params.clone());
    }
    let mut allowed: Vec<&'static str> = candidates
        .iter()
        .flat_map(|(r, _, _)| allowed_methods(r.method))
        .collect();
    allowed.sort_unstable();
    allowed.dedup();
    RouteMatch::MethodNotAllowed(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_literal_and_parameter_segments() {
        assert_eq!(
            match_route("GET", "/cafes/caf_0000000000000001"),
            RouteMatch::Found(
                route_of("get-cafe").expect("route"),
                vec![("cafeId".to_owned(), "caf_0000000000000001".to_owned())]
            )
        );
        assert!(
            matches!(match_route("GET", "/cafes"), RouteMatch::Found(r, _) if r.function == "list-cafes")
        );
        assert!(
            matches!(match_route("GET", "/cafes/"), RouteMatch::Found(r, _) if r.function == "list-cafes")
        );
        // The literal `nearby` beats the `{cafeId}` parameter, as in API Gateway.
        assert!(
            matches!(match_route("GET", "/cafes/nearby"), RouteMatch::Found(r, p) if r.function == "nearby-cafes" && p.is_empty())
        );
        assert_eq!(
            match_route("POST", "/cafes/nearby"),
            RouteMatch::MethodNotAllowed(vec!["GET", "HEAD"])
        );
    }

    #[test]
    fn head_is_served_by_get_routes_only() {
        assert!(
            matches!(match_route("HEAD", "/cafes/caf_0000000000000001/reviews"), RouteMatch::Found(r, _) if r.function == "list-reviews")
        );
        assert!(
            matches!(match_route("head", "/brewing-methods"), RouteMatch::Found(r, _) if r.function == "list-brewing-methods")
        );
        assert_eq!(
            match_route("HEAD", "/me/saved-cafes/caf_0000000000000001"),
            RouteMatch::MethodNotAllowed(vec!["DELETE", "PUT"])
        );
    }

    #[test]
    fn reports_wrong_methods_and_unknown_paths() {
        assert_eq!(
            match_route("DELETE", "/cafes"),
            RouteMatch::MethodNotAllowed(vec!["GET", "HEAD"])
        );
        assert_eq!(match_route("GET", "/teapots"), RouteMatch::NotFound);
        assert_eq!(match_route("GET", "/cafes/a/b"), RouteMatch::NotFound);
        assert_eq!(match_route("GET", "/cafes//"), RouteMatch::NotFound);
    }

    #[test]
    fn decodes_percent_escapes_and_rejects_bad_ones() {
        assert_eq!(
            match_path("/brewing-methods/{slug}", "/brewing-methods/v%36%30"),
            Some((vec![("slug".to_owned(), "v60".to_owned())], 2))
        );
        assert_eq!(
            match_path("/brewing-methods/{slug}", "/brewing-methods/%zz"),
            None
        );
    }

    #[test]
    fn every_function_has_one_route_but_nearby_which_has_a_signed_in_twin() {
        for route in ROUTES {
            let routes: Vec<&RouteSpec> = ROUTES
                .iter()
                .filter(|r| r.function == route.function)
                .collect();
            if route.function == "nearby-cafes" {
                assert_eq!(routes, [&NEARBY_CAFES, &MY_NEARBY_CAFES]);
            } else {
                assert_eq!(routes, [route]);
            }
            assert_eq!(route_of(route.function), routes.first().copied());
        }
        assert!(
            matches!(match_route("GET", "/me/nearby-cafes"), RouteMatch::Found(r, _) if *r == MY_NEARBY_CAFES && r.auth)
        );
    }
}
