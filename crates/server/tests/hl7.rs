//! HL7 v2 SIU over MLLP, on a real socket: each message is answered with an
//! ACK echoing its control id, AA when applied, AE/AR with an ERR segment
//! when not (and then nothing was saved).

mod support;

use frontdesk_domain::VisitState;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const S12: &str = "MSH|^~\\&|PMS|CLINIC|FRONTDESK|PRACTICE|20260305083000||SIU^S12^SIU_S12|CTRL-1|P|2.5.1\r\
SCH|H-1^PMS||||||ROUTINE^Routine|FOLLOWUP^Follow-up|20|MIN|^^20^202603051600^202603051620\r\
PID|1||MRN9^^^PMS^MR||Okafor^Chidi||19750601\r\
AIP|1||dr-ng^Ng^Li|D\r\
AIL|1||main\r";

async fn mllp(app: &TestApp) -> tokio::net::TcpStream {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(frontdesk_server::serve_hl7(listener, app.state.clone()));
    tokio::net::TcpStream::connect(addr).await.unwrap()
}

async fn send(socket: &mut tokio::net::TcpStream, message: &str) -> String {
    let mut frame = vec![0x0b];
    frame.extend_from_slice(message.as_bytes());
    frame.extend_from_slice(&[0x1c, 0x0d]);
    socket.write_all(&frame).await.unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while !got.ends_with(&[0x1c, 0x0d]) {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the ACK");
        got.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(got[0], 0x0b);
    String::from_utf8(got[1..got.len() - 2].to_vec()).unwrap()
}

fn segment<'a>(ack: &'a str, name: &str) -> Vec<&'a str> {
    ack.split('\r')
        .find(|s| s.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in {ack:?}"))
        .split('|')
        .collect()
}

#[tokio::test]
async fn siu_messages_make_change_and_cancel_an_expected_visit() {
    let app = spawn_app().await;
    let mut socket = mllp(&app).await;

    let ack = send(&mut socket, S12).await;
    assert_eq!(segment(&ack, "MSA")[1..3], ["AA", "CTRL-1"], "{ack}");
    assert!(segment(&ack, "MSH")[8].starts_with("ACK^S12"), "{ack}");
    let v = app
        .state
        .store
        .appointment_visit("main", "H-1")
        .await
        .unwrap();
    assert_eq!(v.state, VisitState::Expected);
    assert_eq!(v.provider.as_deref(), Some("dr-ng"));
    assert_eq!(v.duration_min, Some(20));
    let held = app.state.store.scheduled_visit(v.id).await.unwrap();
    assert_eq!(held.appointment_system.as_deref(), Some("PMS"));

    // Rescheduled, on the same connection.
    let s13 = S12
        .replace("SIU^S12^SIU_S12|CTRL-1", "SIU^S13^SIU_S12|CTRL-2")
        .replace("202603051600^202603051620", "202603051700^202603051730");
    let ack = send(&mut socket, &s13).await;
    assert_eq!(segment(&ack, "MSA")[1..3], ["AA", "CTRL-2"], "{ack}");
    let moved = app.state.store.visit_record(v.id).await.unwrap();
    assert_eq!(
        moved.scheduled_at.unwrap().to_rfc3339(),
        "2026-03-05T17:00:00+00:00"
    );
    assert_eq!(moved.duration_min, Some(30));

    // Cancelled.
    let s15 = S12.replace("SIU^S12^SIU_S12|CTRL-1", "SIU^S15^SIU_S15|CTRL-3");
    let ack = send(&mut socket, &s15).await;
    assert_eq!(segment(&ack, "MSA")[1..3], ["AA", "CTRL-3"], "{ack}");
    assert_eq!(
        app.state.store.visit_record(v.id).await.unwrap().state,
        VisitState::Cancelled
    );

    // The feed is in the audit log under the sending application's name.
    let log = app.state.store.audit_log(20).await.unwrap();
    assert!(
        log.iter()
            .any(|r| r.actor == "hl7:PMS" && r.action == "appointment.create")
    );
}

#[tokio::test]
async fn a_bad_message_is_answered_ae_or_ar_and_saves_nothing() {
    let app = spawn_app().await;
    let mut socket = mllp(&app).await;
    let no_start = S12
        .replace("|CTRL-1|", "|CTRL-9|")
        .replace("^^20^202603051600^202603051620", "^^20");
    let ack = send(&mut socket, &no_start).await;
    assert_eq!(segment(&ack, "MSA")[1..3], ["AE", "CTRL-9"], "{ack}");
    let err = segment(&ack, "ERR");
    assert_eq!(err[2], "SCH^1^11^1^4", "{ack}");
    assert!(err[3].starts_with("101^"), "{ack}");
    assert!(
        app.state
            .store
            .appointment_visit("main", "H-1")
            .await
            .is_err()
    );

    let adt = S12.replace("SIU^S12^SIU_S12|CTRL-1", "ADT^A04^ADT_A01|CTRL-10");
    let ack = send(&mut socket, &adt).await;
    assert_eq!(segment(&ack, "MSA")[1..3], ["AR", "CTRL-10"], "{ack}");
    assert!(segment(&ack, "ERR")[3].starts_with("200^"), "{ack}");

    let elsewhere = S12.replace("AIL|1||main", "AIL|1||south");
    let ack = send(&mut socket, &elsewhere).await;
    assert_eq!(segment(&ack, "MSA")[1], "AE", "{ack}");
    assert!(
        app.state
            .store
            .appointment_visit("main", "H-1")
            .await
            .is_err()
    );

    // Not HL7 at all: rejected, and the connection still answers.
    let ack = send(&mut socket, "hello").await;
    assert_eq!(segment(&ack, "MSA")[1], "AR", "{ack}");
    let ack = send(&mut socket, S12).await;
    assert_eq!(segment(&ack, "MSA")[1], "AA", "{ack}");
}
