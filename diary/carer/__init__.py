"""A parent's or carer's pages: the patients they log for, and joining by invitation."""
