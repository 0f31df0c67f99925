-- Every appointment keeps the identifier it came with, whatever its door:
-- appointment_id is the CSV's appointment_id, a FHIR Appointment's
-- identifier value or an HL7 SIU placer appointment id (SCH-1);
-- appointment_system is the identifier's system (FHIR) or namespace (HL7),
-- when it had one; appointment_source says which door (csv, fhir, hl7).
-- A visit from the schedule is matched by (location_id, appointment_id), as
-- the CSV import always did, so an EHR's change finds the visit it made.
ALTER TABLE visit ADD COLUMN appointment_system TEXT;
ALTER TABLE visit ADD COLUMN appointment_source TEXT;
UPDATE visit SET appointment_source = 'csv' WHERE appointment_id IS NOT NULL;
CREATE INDEX visit_by_schedule_day ON visit(location_id, scheduled_at);
