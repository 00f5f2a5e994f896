//! Experiments at the HTTP edge: the caller's device unit from `X-Device-Id`.

use lambda_http::Request;

use super::{ApiError, InvalidParam};
use crate::experiments::{DEVICE_ID_HEADER, DeviceId, Unit};

/// The device unit the request names in `X-Device-Id`: `None` without the header, 400
/// `invalid-parameter` (in: header) when it is malformed.
pub fn device_unit(req: &Request) -> Result<Option<Unit>, ApiError> {
    let Some(raw) = req.headers().get(DEVICE_ID_HEADER) else {
        return Ok(None);
    };
    let parsed = raw
        .to_str()
        .map_err(|_| "must be ASCII".to_owned())
        .and_then(|s| DeviceId::parse(s).map_err(|e| e.to_string()));
    match parsed {
        Ok(id) => Ok(Some(Unit::Device(id))),
        Err(reason) => Err(ApiError::InvalidParameters(vec![InvalidParam::header(
            "X-Device-Id",
            reason,
        )])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(device: Option<&str>) -> Request {
        let mut builder = http::Request::builder().uri("/cafes/nearby");
        if let Some(d) = device {
            builder = builder.header("X-Device-Id", d);
        }
        builder.body(lambda_http::Body::Empty).unwrap()
    }

    #[test]
    fn reads_validates_and_tolerates_absence() {
        assert_eq!(device_unit(&request(None)).unwrap(), None);
        let unit = device_unit(&request(Some("3f6c1b52-9d1e-4f55-8a0e-7b2c7d4e9a10")))
            .unwrap()
            .unwrap();
        assert_eq!(unit.id(), "dev_3f6c1b52-9d1e-4f55-8a0e-7b2c7d4e9a10");
        let err = device_unit(&request(Some("too short"))).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
    }
}
