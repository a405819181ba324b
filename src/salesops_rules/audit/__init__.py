"""Audit a whole ledger of events: readers, the streaming audit, the rules across events, reports."""

from .ledger import open_ledger
from .records import LedgerError
from .run import AuditOptions, AuditResult, audit_ledger

__all__ = ["AuditOptions", "AuditResult", "LedgerError", "audit_ledger", "open_ledger"]
