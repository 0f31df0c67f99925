"""Check Frontdesk's FHIR door with an outside implementation: every resource
it returns must validate with the fhir.resources R4 (4.0.1) models, and a
transaction built with those models from what it returned must be accepted.

Usage: check_fhir.py BASE_URL TOKEN DATE   (run by tests/interop.rs)
Prints one line per check; exits 1 on the first failure.
"""

import json
import sys
import urllib.error
import urllib.request

import fhir.resources
from fhir.resources import get_fhir_model_class
from fhir.resources.appointment import Appointment
from fhir.resources.bundle import Bundle, BundleEntry, BundleEntryRequest
from fhir.resources.location import Location
from fhir.resources.patient import Patient
from fhir.resources.practitioner import Practitioner

BASE, TOKEN, DATE = sys.argv[1], sys.argv[2], sys.argv[3]
validated = 0


def call(method, path, body=None, token=TOKEN):
    data = None if body is None else body.encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/fhir+json")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers.get("Content-Type", ""), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), json.loads(e.read())


def validate(resource):
    """Validate a resource and everything it carries with the R4 models."""
    global validated
    kind = resource["resourceType"]
    model = get_fhir_model_class(kind).parse_obj(resource)
    validated += 1
    if kind == "Bundle":
        for entry in resource.get("entry", []):
            if "resource" in entry:
                validate(entry["resource"])
            outcome = entry.get("response", {}).get("outcome")
            if outcome:
                validate(outcome)
    for inner in resource.get("contained", []):
        validate(inner)
    return model


def check(what, ok):
    if not ok:
        print("FAILED:", what)
        sys.exit(1)
    print("ok:", what)


check("fhir.resources models are R4 4.0.1", fhir.resources.__fhir_version__ == "4.0.1")

status, kind, cap = call("GET", "/metadata", token=None)
check("metadata answers 200 as application/fhir+json", status == 200 and kind.startswith("application/fhir+json"))
check("the CapabilityStatement validates and says 4.0.1", validate(cap).fhirVersion == "4.0.1")

# A transaction built with the models.
patient = Patient.parse_obj({"resourceType": "Patient", "name": [{"family": "Okafor", "given": ["Chidi"]}], "birthDate": "1975-06-01"})
doctor = Practitioner.parse_obj({"resourceType": "Practitioner", "identifier": [{"value": "dr-ng"}]})
place = Location.parse_obj({"resourceType": "Location", "identifier": [{"value": "main"}]})
appointment = Appointment.parse_obj({
    "resourceType": "Appointment",
    "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.1", "value": "PY-1"}],
    "status": "booked",
    "start": DATE + "T15:00:00Z",
    "end": DATE + "T15:20:00Z",
    "participant": [
        {"actor": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}, "status": "accepted"},
        {"actor": {"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"}, "status": "accepted"},
        {"actor": {"reference": "urn:uuid:33333333-3333-4333-8333-333333333333"}, "status": "accepted"},
    ],
})
entries = []
for n, (res, kind) in enumerate([(patient, "Patient"), (doctor, "Practitioner"), (place, "Location"), (appointment, "Appointment")]):
    entries.append(BundleEntry.construct(
        fullUrl="urn:uuid:%s-%s-4%s-8%s-%s" % (str(n + 1) * 8, str(n + 1) * 4, str(n + 1) * 3, str(n + 1) * 3, str(n + 1) * 12),
        resource=res,
        request=BundleEntryRequest.construct(method="POST", url=kind),
    ))
bundle = Bundle.construct(type="transaction", entry=entries)
body = Bundle.parse_raw(bundle.json()).json()
status, _, answer = call("POST", "", body)
check("a transaction built with fhir.resources is accepted (%s)" % status, status == 200)
check("the transaction-response validates", validate(answer).type == "transaction-response")
check("the appointment was created", answer["entry"][3]["response"]["status"] == "201 Created")

# A bad transaction: the OperationOutcome validates and names the entry and field.
bad = json.loads(body)
del bad["entry"][3]["resource"]["start"]
del bad["entry"][3]["resource"]["end"]
status, _, outcome = call("POST", "", json.dumps(bad))
check("a transaction without a start is refused with 422", status == 422)
validate(outcome)
check("the OperationOutcome names entry and field",
      outcome["issue"][0]["expression"] == ["Bundle.entry[3].resource.start"])

# Read the day back: every resource validates.
status, _, appointments = call("GET", "/Appointment?date=" + DATE)
check("Appointment search answers 200", status == 200)
found = validate(appointments)
check("the searchset holds the appointments (%d)" % len(found.entry or []), len(found.entry or []) >= 2)
status, _, encounters = call("GET", "/Encounter?date=" + DATE)
check("Encounter search answers 200", status == 200)
found = validate(encounters)
check("the Encounter searchset validates (%d)" % len(found.entry or []), len(found.entry or []) >= 2)
arrived = [e["resource"] for e in encounters["entry"] if e["resource"]["status"] == "arrived"]
check("an arrived Encounter carries its figures as extensions",
      arrived and {x["url"] for x in arrived[0].get("extension", [])} ==
      {"urn:frontdesk:fhir:acknowledgement", "urn:frontdesk:fhir:wait-promise"})

# A transaction built from what Frontdesk returned: an appointment read back,
# given a new identifier and time, and PUT in a transaction.
booked = [e["resource"] for e in appointments["entry"] if e["resource"]["status"] == "booked"]
check("a booked appointment was read back", len(booked) >= 1)
read = Appointment.parse_obj(booked[0])
copy = read.copy(deep=True)
copy.id = None
copy.identifier[0].value = "PY-2"
copy.start = DATE + "T18:00:00Z"
copy.end = DATE + "T18:30:00Z"
copy.minutesDuration = None
again = Bundle.construct(type="transaction", entry=[BundleEntry.construct(
    fullUrl="urn:uuid:44444444-4444-4444-8444-444444444444",
    resource=copy,
    request=BundleEntryRequest.construct(method="PUT", url="Appointment?identifier=PY-2"),
)])
status, _, answer = call("POST", "", Bundle.parse_raw(again.json()).json())
check("a transaction built from a returned Appointment is accepted (%s)" % status, status == 200)
validate(answer)
check("and it made a new appointment", answer["entry"][0]["response"]["status"] == "201 Created")

# The booked Appointment PUT back as read, cancelled.
read.status = "cancelled"
status, _, put = call("PUT", "/Appointment/" + read.id, read.json())
check("PUT of a returned Appointment answers 200 (%s)" % status, status == 200)
check("the answer validates and is cancelled", validate(put).status == "cancelled")

print("validated %d FHIR resources with fhir.resources %s (R4 %s)" % (validated, fhir.resources.__version__, fhir.resources.__fhir_version__))
