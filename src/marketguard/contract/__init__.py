"""The data contract: table specs, loading, validation and quarantine."""

from marketguard.contract.settings import ValidationSettings
from marketguard.contract.spec import LOAD_ORDER, REQUIRED_TABLES, TABLES, Column, Kind, TableSpec
from marketguard.contract.validate import TableReport, ValidationReport, validate, validate_sources
from marketguard.contract.vocabulary import Vocabulary

__all__ = [
    "LOAD_ORDER",
    "REQUIRED_TABLES",
    "TABLES",
    "Column",
    "Kind",
    "TableReport",
    "TableSpec",
    "ValidationReport",
    "ValidationSettings",
    "Vocabulary",
    "validate",
    "validate_sources",
]
