"""One router per capability: health, chem, parties, jobs, alerts, kb, admin."""
