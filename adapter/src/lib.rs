//! berth, the host side: engines ([`engine`]), the live mirror of an engine's containers
//! ([`mirror`]), and the HTTP + SSE API and web app server ([`http`]).

pub mod cli;
pub mod engine;
pub mod engine_api;
pub mod http;
pub mod mirror;
