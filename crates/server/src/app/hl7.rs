//! HL7 v2 SIU over MLLP: the practice-management system's feed. Each framed
//! message (`0x0B` … `0x1C 0x0D`) is read by `frontdesk_domain::hl7`, applied
//! like a FHIR Appointment or a CSV row (one store transaction), and answered
//! with an ACK on the same connection: `AA` when applied, `AE`/`AR` with an
//! ERR segment when not, and then nothing was saved.
//!
//! MLLP has no sign-in: the feed is trusted by where it comes from. The
//! listener binds loopback unless told otherwise (`--hl7-addr`); put it on a
//! trusted network or behind the interface engine's VPN, never the internet.

use crate::app::caller::Caller;
use crate::app::schedule;
use crate::state::AppState;
use frontdesk_domain::fhir::Directory;
use frontdesk_domain::hl7::{self, END_BLOCK, Hl7Error, Message, START_BLOCK};
use frontdesk_store::Actor;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The largest message taken (a day's SIU is a few kilobytes).
const MAX_MESSAGE: usize = 1 << 20;
/// A connection with nothing to say for this long is closed.
const IDLE: std::time::Duration = std::time::Duration::from_secs(300);

/// The name an HL7 feed acts under in the timeline and the audit log:
/// `hl7:` and the sending application (MSH-3), in plain characters.
fn actor_of(msg: &Message) -> Actor {
    let app: String = msg
        .component(&msg.segments[0], 3, 1)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(32)
        .collect();
    Actor::staff(&format!(
        "hl7:{}",
        if app.is_empty() { "feed" } else { &app }
    ))
}

fn internal(text: &str) -> Hl7Error {
    Hl7Error {
        ack: "AE",
        code: (207, "Application internal error"),
        segment: "MSH",
        field: 0,
        component: 0,
        text: text.to_string(),
    }
}

/// Apply one message; the ACK to send back.
pub async fn receive(state: &AppState, text: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let now = state.now();
    let ack_id = format!(
        "FD{}{}",
        now.format("%Y%m%d%H%M%S"),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let msg = match Message::parse(text) {
        Ok(m) => m,
        Err(e) => return hl7::ack(None, Err(&e), now, &ack_id),
    };
    let caller = Caller::Door(actor_of(&msg));
    let outcome = apply(state, &caller, &msg).await;
    if let Err(e) = &outcome {
        tracing::info!(code = e.code.0, ack = e.ack, "HL7 message not applied");
    }
    hl7::ack(Some(&msg), outcome.as_ref().map(|_| ()), now, &ack_id)
}

async fn apply(state: &AppState, caller: &Caller<'_>, msg: &Message) -> Result<(), Hl7Error> {
    let known = schedule::known(state, caller)
        .await
        .map_err(|_| internal("The schedule could not be read; send again"))?;
    let change = {
        let zone_of = |id: &str| known.zone_of(id);
        let provider_known = |id: &str| known.provider_known(id);
        let dir = Directory {
            zone_of: &zone_of,
            provider_known: &provider_known,
            today: known.today,
        };
        hl7::read_siu(msg, &dir)?
    };
    match schedule::apply(state, caller, std::slice::from_ref(&change)).await {
        Ok(_) => Ok(()),
        Err(crate::error::ApiError::Internal(detail)) => {
            tracing::error!(error = %detail, "HL7 message failed");
            Err(internal("The message could not be saved; send again"))
        }
        Err(e) => Err(internal(&e.to_string())),
    }
}

/// Accept MLLP connections until the server stops.
pub async fn listen(listener: tokio::net::TcpListener, state: AppState) {
    loop {
        match listener.accept().await {
            Ok((socket, _peer)) => {
                tokio::spawn(connection(socket, state.clone()));
            }
            Err(e) => {
                tracing::warn!(error = %e, "HL7 listener: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// One connection: frames in, an ACK out for each, in order.
async fn connection(mut socket: tokio::net::TcpStream, state: AppState) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        // Every complete frame in the buffer.
        while let Some(start) = buf.iter().position(|b| *b == START_BLOCK) {
            let Some(end) = buf[start..]
                .windows(2)
                .position(|w| w == END_BLOCK)
                .map(|i| start + i)
            else {
                break;
            };
            let text = String::from_utf8_lossy(&buf[start + 1..end]).into_owned();
            buf.drain(..end + 2);
            let ack = receive(&state, &text).await;
            let mut framed = Vec::with_capacity(ack.len() + 3);
            framed.push(START_BLOCK);
            framed.extend_from_slice(ack.as_bytes());
            framed.extend_from_slice(&END_BLOCK);
            if socket.write_all(&framed).await.is_err() {
                return;
            }
        }
        if buf.len() > MAX_MESSAGE {
            tracing::warn!("HL7 connection closed: a message larger than 1 MiB");
            return;
        }
        match tokio::time::timeout(IDLE, socket.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
