"""CaseOS's own sentences as messages (app/platform/messages.py), for clients that show them translated."""
from marshmallow import fields

from app.schemas.common import OutSchema


class MessageOut(OutSchema):
    """One of CaseOS's own sentences, for showing it in the reader's language."""
    id = fields.String(required=True, metadata={"description": "Stable message id, e.g. `summons.answer_when`."})
    params = fields.Dict(required=True, metadata={
        "description": "Values by name: `date` an ISO date, `amount` a decimal string in dollars, `task` a "
                       "deadline label, `amount_label` a money label, `role`/`other_role` a party role code, "
                       "`period` a number; a value that is an object with `id` is a message rendered in place."})
    text = fields.String(required=True, metadata={"description": "The sentence in English."})


class I18n(OutSchema):
    """The item's sentences again as messages: show ``text`` as it is, or translate ``id`` with ``params``."""
    message = fields.Nested(MessageOut, metadata={"description": "`message` as a message."})
    why = fields.Nested(MessageOut, metadata={"description": "`why` as a message."})
