"""All domain models, re-exported so code says `from yangguang.core.models import Person`."""

from yangguang.core.models.accounts import ApiToken, RoleAssignment
from yangguang.core.models.areas import (
    ALLOWED_CHILD_KINDS,
    Area,
    AreaKind,
    Building,
    Compound,
    CompoundKind,
    Dwelling,
    DwellingUse,
    Occupancy,
)
from yangguang.core.models.audit import AuditAction, AuditEntry
from yangguang.core.models.imports import ImportRun
from yangguang.core.models.people import (
    Household,
    HouseholdMembership,
    Merchant,
    Person,
    Relation,
    Residence,
    ResidenceStatus,
    Sex,
    Tag,
)

__all__ = [
    "ALLOWED_CHILD_KINDS",
    "ApiToken",
    "Area",
    "AreaKind",
    "AuditAction",
    "AuditEntry",
    "Building",
    "Compound",
    "CompoundKind",
    "Dwelling",
    "DwellingUse",
    "Household",
    "HouseholdMembership",
    "ImportRun",
    "Merchant",
    "Occupancy",
    "Person",
    "Relation",
    "Residence",
    "ResidenceStatus",
    "RoleAssignment",
    "Sex",
    "Tag",
]
