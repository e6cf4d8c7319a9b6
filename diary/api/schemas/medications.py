"""The patient's usual medications: the JSON shapes."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from diary.models.medications import DOSE_MAX, NAME_MAX


class UsualMedicationInSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(
        required=True,
        metadata={"description": f"the medication, at most {NAME_MAX} characters"},
    )
    dose = fields.String(
        allow_none=True,
        load_default=None,
        metadata={"description": f"its usual dose, e.g. '300 mg', at most {DOSE_MAX} characters"},
    )


class UsualMedicationSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    dose = fields.Str(allow_none=True)
    line = fields.Str(metadata={"description": "the line a tick puts into an entry's medications"})
