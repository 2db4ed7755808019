"""Signals the organisation module sends to the modules above it (which it must not import).

`membership_ended(sender=Membership, membership=, actor=)` is sent inside the transaction that
ends a membership (directly, or because its unit closed or merged): the tasks module hands the
person's open tasks back to the unit and tells its leader, in the same transaction.
"""

from django.dispatch import Signal

membership_ended = Signal()
