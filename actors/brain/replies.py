"""The local brain's replies moved to the SMS wording room, ``actors.wording.sms``.

This name is kept so existing imports (``from actors.brain.replies import when_label``) work;
new code imports ``actors.wording.sms``.
"""

from actors.wording.sms import *  # noqa: F403
