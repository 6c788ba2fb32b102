//! A request body that is not a valid message (garbage bytes, a truncated varint, invalid
//! UTF-8 in a string) is the caller's fault: tonic's codec calls it INTERNAL ("failed to
//! decode Protobuf message"), which tells clients to retry and operators to look for a bug.
//! This layer answers INVALID_ARGUMENT instead, saying what could not be read.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};

/// How tonic's codec begins the message of a body it could not decode.
const DECODE_FAILURE: &str = "failed to decode Protobuf message";

#[derive(Clone, Copy)]
pub struct DecodeErrorsAsInvalid;

impl<S> tower_layer::Layer<S> for DecodeErrorsAsInvalid {
    type Service = DecodeErrorsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DecodeErrorsService { inner }
    }
}

#[derive(Clone)]
pub struct DecodeErrorsService<S> {
    inner: S,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B> tower_service::Service<Request<B>> for DecodeErrorsService<S>
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
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await?;
            // An error before the handler ran comes back with its status in the headers.
            Ok(match tonic::Status::from_header_map(response.headers()) {
                Some(s)
                    if s.code() == tonic::Code::Internal
                        && s.message().starts_with(DECODE_FAILURE) =>
                {
                    tonic::Status::invalid_argument(format!(
                        "the request body is not a valid message of this method ({})",
                        s.message()
                            .trim_start_matches(DECODE_FAILURE)
                            .trim_start_matches(':')
                            .trim()
                    ))
                    .into_http()
                }
                _ => response,
            })
        })
    }
}
