//! The admin API for a listener of someone else's (the web portal): the same routes and
//! per-request layers as the admin listener (time bounds, gRPC-Web, undecodable bodies as
//! INVALID_ARGUMENT), called one request at a time. `/metrics` and plain gRPC stay on the
//! admin listener.

use std::convert::Infallible;

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::AdminServerConfig;
use super::decode::{DecodeErrorsAsInvalid, DecodeErrorsService};
use super::timeout::{AdminTimeout, AdminTimeoutService};
use crate::{AdminApi, BuildError};

type Layered =
    AdminTimeoutService<tonic_web::GrpcWebService<DecodeErrorsService<tonic::service::Routes>>>;

/// The admin services behind gRPC-Web, ready to answer requests from any HTTP server.
#[derive(Clone)]
pub struct GrpcWebApi {
    service: Layered,
}

impl GrpcWebApi {
    /// `config` gives the time bounds (the same as the admin listener's).
    pub fn new(api: &AdminApi, config: &AdminServerConfig) -> Result<Self, BuildError> {
        let routes = DecodeErrorsAsInvalid.layer(api.routes()?);
        let service = AdminTimeout {
            request: config.request_timeout,
            upload: config.upload_timeout,
        }
        .layer(tonic_web::GrpcWebLayer::new().layer(routes));
        Ok(GrpcWebApi { service })
    }

    /// Answers one gRPC-Web request (`application/grpc-web…`); anything else gets the
    /// answer tonic gives a plain HTTP request.
    pub async fn call<B>(&self, req: Request<B>) -> Response<tonic::body::Body>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut service = self.service.clone();
        let result: Result<_, Infallible> = service.call(req.map(tonic::body::Body::new)).await;
        match result {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}
