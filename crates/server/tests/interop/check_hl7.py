"""Check Frontdesk's HL7 v2 door with an outside implementation: the `hl7`
package's MLLP client sends SIU messages (parsed by the package first) and
reads the ACKs.

Usage: check_hl7.py HOST PORT   (run by tests/interop.rs)
"""

import sys

import hl7
from hl7.client import MLLPClient

HOST, PORT = sys.argv[1], int(sys.argv[2])


def check(what, ok):
    if not ok:
        print("FAILED:", what)
        sys.exit(1)
    print("ok:", what)


def siu(event, control, timing="^^20^202603051600^202603051620", appointment="PY-HL7-1"):
    return "\r".join([
        "MSH|^~\\&|PYPMS|CLINIC|FRONTDESK|PRACTICE|20260305083000||SIU^%s^SIU_S12|%s|P|2.5.1" % (event, control),
        "SCH|%s^PYPMS||||||ROUTINE^Routine|FOLLOWUP^Follow-up|20|MIN|%s" % (appointment, timing),
        "PID|1||MRN9^^^PYPMS^MR||Okafor^Chidi||19750601",
        "AIP|1||dr-ng^Ng^Li|D",
        "AIL|1||main",
    ]) + "\r"


def send(client, text):
    message = hl7.parse(text)  # the package reads our message first
    ack = hl7.parse(client.send_message(message))
    msa = ack.segment("MSA")
    return ack, str(msa[1]), str(msa[2])


with MLLPClient(HOST, PORT) as client:
    for event, control in [("S12", "PY-1"), ("S13", "PY-2"), ("S14", "PY-3")]:
        ack, code, echoed = send(client, siu(event, control))
        check("%s answered AA with MSA-2 = %s (got %s %s)" % (event, control, code, echoed), code == "AA" and echoed == control)
        check("%s ACK names the event" % event, str(ack.segment("MSH")[9]).startswith("ACK^" + event))
    ack, code, echoed = send(client, siu("S12", "PY-4", timing="^^20", appointment="PY-HL7-2"))
    check("a message without a start time is answered AE (got %s)" % code, code == "AE" and echoed == "PY-4")
    err = ack.segment("ERR")
    check("with an ERR segment naming SCH-11.4 and error 101", str(err[2]) == "SCH^1^11^1^4" and str(err[3][0][0]) == "101")
    ack, code, echoed = send(client, siu("S99", "PY-5"))
    check("an unknown event is answered AR (got %s)" % code, code == "AR" and echoed == "PY-5")
    for event, control in [("S15", "PY-6"), ("S26", "PY-7")]:
        ack, code, echoed = send(client, siu(event, control))
        check("%s answered AA (got %s)" % (event, code), code == "AA" and echoed == control)

print("hl7 %s: 7 messages sent over MLLP, every ACK as expected" % hl7.__version__)
