"""Use cases for what governors see beside a report: agreed exceptions to rules, and their sign-off.

An *exception* is a school's agreed departure from one rule (with the reason, who approved it and in what role,
the risk, a review date and an expiry). While it is active the rule is left out of the report's *adjusted*
score: it counts neither for nor against the school; the raw score is always shown beside it. An exception
stops counting when it expires (and is then flagged) or is withdrawn; none is ever deleted. No exception can be
agreed to a statutory duty.

A *sign-off* records that a governor has reviewed a report: who, when and an optional note.
"""
