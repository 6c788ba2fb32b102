//! A time bound on every admin request, longer for image uploads. tonic's own
//! `Server::timeout` is one bound for all routes, and an image of hundreds of MiB cannot
//! arrive within the minute that every other request gets.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};

/// Routes that stream an upload in, and get `AdminTimeout::upload`.
const UPLOAD_PATHS: &[&str] = &["/porter.admin.v1.FirmwareService/UploadFirmware"];

#[derive(Clone, Copy)]
pub struct AdminTimeout {
    pub request: Duration,
    pub upload: Duration,
}

impl<S> tower_layer::Layer<S> for AdminTimeout {
    type Service = AdminTimeoutService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AdminTimeoutService {
            inner,
            bounds: *self,
        }
    }
}

#[derive(Clone)]
pub struct AdminTimeoutService<S> {
    inner: S,
    bounds: AdminTimeout,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B> tower_service::Service<Request<B>> for AdminTimeoutService<S>
where
    S: tower_service::Service<Request<B>, Response = Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let bound = if UPLOAD_PATHS.contains(&req.uri().path()) {
            self.bounds.upload
        } else {
            self.bounds.request
        };
        let response = self.inner.call(req);
        Box::pin(async move {
            match tokio::time::timeout(bound, response).await {
                Ok(result) => result,
                Err(_) => Ok(tonic::Status::deadline_exceeded(format!(
                    "the request ran longer than the server's limit of {} s",
                    bound.as_secs()
                ))
                .into_http()),
            }
        })
    }
}
