"""A client's complete record in the forms it leaves the agency in: JSON, a printable PDF and
FHIR R4 resources (NASW Std 10: the record an agency keeps, released only with consent)."""
