"""marshmallow schemas: the shapes of the JSON API, for input and output. They live here and
only here (one module per feature); the rules themselves live in diary/services."""

from diary.api.schemas.entries import EntryOutSchema
from diary.api.schemas.users import LoginSchema, PatientSummarySchema, UserSchema

__all__ = ["EntryOutSchema", "LoginSchema", "PatientSummarySchema", "UserSchema"]
