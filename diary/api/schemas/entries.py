"""Diary entries: the JSON shapes. Types and unknown fields here; ranges, codes and dates are
checked once, in diary.services.entry_rules, so the form and the API give the same messages.

The measures' fields are made from the registry (diary.measures): a field's name is the
measure's code, its type follows the measure's kind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from marshmallow import RAISE, Schema, fields, missing
from marshmallow import ValidationError as SchemaError

from diary import measures
from diary.measures import Kind, Measure
from diary.services.entry_rules import MESSAGES

_TEXT = {"invalid": "Enter text."}


def _description(m: Measure) -> str:
    text = m.label
    if m.kind in (Kind.SCALE, Kind.DECIMAL):
        text += f" ({m.minimum:g}-{m.maximum:g}{' ' + m.unit if m.unit else ''})"
    if m.kind in (Kind.CODES, Kind.SEVERITIES):
        text += ". Codes: " + ", ".join(o.code for o in m.options)
    if m.kind is Kind.SEVERITIES:
        text += f"; severity {m.minimum:g}-{m.maximum:g} (none..very severe)"
    return text


def _content_field(m: Measure) -> fields.Field:
    """The field a client sends for a measure."""
    meta = {"description": _description(m)}
    if m.kind in (Kind.SCALE, Kind.DECIMAL):
        meta |= {"minimum": m.minimum, "maximum": m.maximum}
    errors = {"invalid": m.message}
    if m.required:
        errors["null"] = m.message
    if m.kind is Kind.SCALE:
        return fields.Integer(
            strict=True, allow_none=not m.required, error_messages=errors, metadata=meta
        )
    if m.kind is Kind.DECIMAL:
        return fields.Float(
            allow_none=not m.required, allow_nan=False, error_messages=errors, metadata=meta
        )
    if m.kind in (Kind.CODES, Kind.LINES):
        return fields.List(fields.String(), metadata=meta)
    if m.kind is Kind.SEVERITIES:
        return fields.Dict(
            keys=fields.String(),
            values=fields.Integer(strict=True, error_messages={"invalid": m.message}),
            metadata=meta,
        )
    return fields.String(
        allow_none=True, error_messages=_TEXT, metadata=meta | {"maxLength": m.max_length}
    )


def _out_field(m: Measure) -> fields.Field:
    """The field the API answers with for a measure."""
    if m.kind is Kind.SCALE:
        return fields.Int(allow_none=not m.required)
    if m.kind is Kind.DECIMAL:
        return fields.Float(allow_none=not m.required)
    if m.kind in (Kind.CODES, Kind.LINES):
        return fields.List(fields.Str())
    if m.kind is Kind.SEVERITIES:
        return fields.Dict(keys=fields.Str(), values=fields.Int())
    return fields.Str(allow_none=True)


_MeasureFields = Schema.from_dict(
    {m.code: _content_field(m) for m in measures.MEASURES}, name="EntryMeasures"
)
_MeasureOutFields = Schema.from_dict(
    {m.code: _out_field(m) for m in measures.MEASURES}, name="EntryMeasuresOut"
)


class _FieldByFieldLoad(Schema):
    """`load` of a body whose fields are all valid runs only the fields sent, each through its
    own `deserialize` (as `Schema.load` does), without the schema's own machinery, which costs
    more than the fields of a usual entry. Anything else (an unknown field, a wrong value, a
    call with options) goes through `Schema.load` itself, so every message is its own.

    Only for schemas with nothing but plain fields: no required field, no default, no
    data_key or attribute, no hook or validator method (checked when the schema is made)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain = not any(self._hooks.values()) and all(
            not f.required
            and f.load_default is missing
            and f.data_key is None
            and f.attribute is None
            for f in self.load_fields.values()
        )
        self._plain = plain and not self.many and not self.partial and self.unknown == RAISE

    def load(self, data, *, many=None, partial=None, unknown=None):
        plain_call = many is None and not partial and unknown is None
        if self._plain and plain_call and isinstance(data, dict):
            loaded = self._fields_sent(data)
            if loaded is not None:
                return loaded
        return super().load(data, many=many, partial=partial, unknown=unknown)

    def _fields_sent(self, data: dict) -> dict | None:
        known = self.load_fields
        loaded = {}
        for name, value in data.items():
            field = known.get(name)
            if field is None:
                return None
            try:
                loaded[name] = field.deserialize(value, name, data)
            except SchemaError:
                return None
        return loaded


class EntryContentSchema(_FieldByFieldLoad, _MeasureFields):
    """The fields a patient sets; all optional here (PATCH). See EntryCreateSchema."""

    class Meta:
        unknown = RAISE

    day = fields.Date(
        error_messages={"invalid": MESSAGES["day_format"]},
        metadata={"description": "The patient's local day the entry describes (default: today)."},
    )


class EntryPatchSchema(EntryContentSchema):
    """PATCH /entries/<id>: the fields that change, and the version they were edited from."""

    version = fields.Integer(
        strict=True,
        error_messages={"invalid": "Send the entry's version as a whole number."},
        metadata={
            "description": "The `version` of the entry this edit was made from (or send an "
            "If-Match header with the entry's ETag). A stale one answers 409 version_conflict "
            "with the current entry; neither answers 428."
        },
    )


class EntryCreateSchema(EntryContentSchema):
    """POST /entries. A client-made `id` makes the create idempotent."""

    id = fields.UUID(error_messages={"invalid_uuid": "Use a UUID."})
    patient_id = fields.Integer(
        strict=True,
        error_messages={"invalid": "Send the patient's id as a whole number."},
        metadata={
            "description": "Whose diary the entry is for. A parent or carer must send it (one "
            "of the patients they log for, else 404); a patient may leave it out (it must then "
            "be their own id)."
        },
    )
    recorded_at = fields.AwareDateTime(
        error_messages={"invalid": "Use an ISO 8601 date and time with a time zone."},
        metadata={
            "description": "When the patient saved the entry on their device; kept when not in "
            "the future and at most 7 days old, else the server's time is used."
        },
    )
    timezone = fields.String(
        allow_none=True,
        error_messages={"invalid": "Send the phone's time zone as an IANA name."},
        metadata={
            "description": "The IANA time zone of the phone when the entry was made (e.g. "
            "Pacific/Auckland). The day is checked against today in this zone and the entry "
            "is on time when recorded by the end of the next day there; default: the "
            "patient's zone from their settings."
        },
    )


class EntryOutSchema(_MeasureOutFields):
    id = fields.UUID()
    patient_id = fields.Int()
    day = fields.Date()
    recorded_at = fields.AwareDateTime()
    timezone = fields.Str(allow_none=True)
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    deleted_at = fields.AwareDateTime(allow_none=True)
    entered_by_id = fields.Int(
        allow_none=True,
        metadata={
            "description": "Who typed the entry: the patient's id, a parent's or carer's id "
            "(a proxy entry), or null (imported, or stored before this was kept)"
        },
    )
    imported = fields.Bool(
        metadata={
            "description": "Brought in by the clinic from a file (CSV or FHIR); recorded_at is "
            "then the moment of the import"
        }
    )


def _plain_conversion(field: fields.Field) -> Callable[[Any], Any] | None:
    """What `field` does to a value that is not None, for the field types that do no more than
    a conversion; None for others (their own `_serialize` is called)."""
    kind = type(field)
    if getattr(field, "as_string", False):
        return None
    if kind is fields.Integer:
        return int
    if kind is fields.Float:
        return float
    if kind in (fields.String, fields.UUID):
        return str
    if kind is fields.Date and field.format is None:
        return date.isoformat
    if kind in (fields.DateTime, fields.AwareDateTime) and field.format is None:
        return datetime.isoformat
    return None


def _entry_dumper(schema: Schema) -> Callable[[Any], dict[str, Any]]:
    """`schema.dump` of one entry, each field's value converted as its field would (None stays
    None), without the schema's own machinery: the same dict at a fraction of the cost (a test
    compares them)."""
    if any(schema._hooks.values()):
        raise RuntimeError("EntryOutSchema: hooks are not run by its dumper")
    steps = []
    for name, field in schema.dump_fields.items():
        convert = _plain_conversion(field)
        if convert is None:
            convert = lambda value, _field=field, _name=name: _field._serialize(value, _name, None)  # noqa: E731
        steps.append((field.data_key or name, field.attribute or name, convert))

    def dump(entry: Any) -> dict[str, Any]:
        loaded = entry.__dict__  # an attribute not loaded is read (and loaded) by getattr
        values = {}
        for key, attribute, convert in steps:
            value = loaded[attribute] if attribute in loaded else getattr(entry, attribute)
            values[key] = None if value is None else convert(value)
        return values

    return dump


dump_entry = _entry_dumper(EntryOutSchema())


class VersionConflictSchema(Schema):
    """409 on an entry edit made from an old version: nothing was stored; `current` is the
    entry as stored now."""

    error = fields.Nested(
        Schema.from_dict(
            {"code": fields.Str(required=True), "message": fields.Str(required=True)},
            name="VersionConflictErrorSchema",
        ),
        required=True,
        metadata={"description": "code is `version_conflict`"},
    )
    current = fields.Nested(EntryOutSchema, required=True)
