//! Webhooks: district systems are told of every committed change they subscribe to, as signed
//! Standard Webhooks events, in order, at least once. Events are written to an outbox in the
//! change's own transaction ([`outbox`]) and sent by a worker ([`delivery`]) that retries for
//! `WEBHOOK_RETRY_HOURS`; only public `https` receivers are reached unless the district lists a
//! host ([`guard`]).

pub mod delivery;
pub mod event;
pub mod guard;
pub mod outbox;
pub mod store;
