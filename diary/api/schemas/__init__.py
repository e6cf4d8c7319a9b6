"""marshmallow schemas: the shapes of the JSON API, for input and output. They live here and
only here (one module per feature); the rules themselves live in diary/services."""

from diary.api.schemas.checkins import CheckinCreateSchema, CheckinDueSchema, CheckinOutSchema
from diary.api.schemas.entries import (
    EntryContentSchema,
    EntryCreateSchema,
    EntryOutSchema,
    EntryPatchSchema,
    VersionConflictSchema,
)
from diary.api.schemas.imports import CsvImportSchema, FhirImportSchema, ImportReportSchema
from diary.api.schemas.infusions import InfusionInSchema, InfusionOutSchema
from diary.api.schemas.medications import UsualMedicationInSchema, UsualMedicationSchema
from diary.api.schemas.push import (
    PushDeviceSchema,
    PushSettingsSchema,
    PushSubscriptionInSchema,
    PushUnsubscribeSchema,
)
from diary.api.schemas.review import (
    ResponsesSchema,
    ReviewChartsSchema,
    ReviewSummarySchema,
    TreatmentInSchema,
    TreatmentSchema,
)
from diary.api.schemas.users import (
    CloseAccountSchema,
    CsrfSchema,
    LoginResultSchema,
    LoginSchema,
    PatientSummarySchema,
    UserSchema,
)

__all__ = [
    "CheckinCreateSchema",
    "CheckinDueSchema",
    "CheckinOutSchema",
    "CloseAccountSchema",
    "CsrfSchema",
    "CsvImportSchema",
    "EntryContentSchema",
    "EntryCreateSchema",
    "EntryOutSchema",
    "EntryPatchSchema",
    "FhirImportSchema",
    "ImportReportSchema",
    "InfusionInSchema",
    "InfusionOutSchema",
    "LoginResultSchema",
    "LoginSchema",
    "PatientSummarySchema",
    "PushDeviceSchema",
    "PushSettingsSchema",
    "PushSubscriptionInSchema",
    "PushUnsubscribeSchema",
    "ResponsesSchema",
    "ReviewChartsSchema",
    "ReviewSummarySchema",
    "TreatmentInSchema",
    "TreatmentSchema",
    "UserSchema",
    "UsualMedicationInSchema",
    "UsualMedicationSchema",
    "VersionConflictSchema",
]
