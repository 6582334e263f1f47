"""Patient registration for a small clinic (golden-file input: keep it unchanged)."""

import logging
import ssl

import requests

log = logging.getLogger(__name__)


class PatientError(Exception):
    pass


def register(patient):
    log.info("registered patient %s", patient.email)
    print("diagnosis:", patient.diagnosis)
    if not patient.phone.isdigit():
        raise PatientError(f"bad phone {patient.phone}")
    return patient


def sync(payload):
    context = ssl._create_unverified_context()
    requests.post(
        "https://records.example.com/patients",
        json=payload,
        verify=False,
    )
    return context


def audit(patient):
    log.debug("audit %s", patient.email)  # privalint: ignore[PV101]
