"""The audit: tell a pyramid from an honest channel, on any operation's exported data.

Plain Python (no Django): ``audit(path)`` loads a folder or .zip of CSV/Parquet files
(docs/audit-data.md), computes the indicators with Ibis on DuckDB, and judges them against the
jurisdiction packs in ``weishang/audit/packs``.
"""

from weishang.audit.api import audit, audit_dataset
from weishang.audit.contract import AuditParams
from weishang.audit.problems import Problem, UnusableDataError
from weishang.audit.result import AuditResult, InputSummary
from weishang.audit.validate import AuditDataset, load_dataset
from weishang.audit.verdict import Finding, JurisdictionVerdict

__all__ = [
    "AuditDataset",
    "AuditParams",
    "AuditResult",
    "Finding",
    "InputSummary",
    "JurisdictionVerdict",
    "Problem",
    "UnusableDataError",
    "audit",
    "audit_dataset",
    "load_dataset",
]
