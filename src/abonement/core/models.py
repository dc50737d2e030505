from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """The audit and statistics record of every action (security events included).

    `actor_label` keeps the name shown in reports even when there is no user ("System").
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGIN_THROTTLED = "login_throttled", _("Sign-in throttled")
        LOGOUT = "logout", _("Signed out")
        SESSION_EVICTED = "session_evicted", _("Oldest session ended")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        PASSWORD_RESET_DONE = "password_reset_done", _("Password reset")
        LIBRARY_CREATED = "library_created", _("Library created")
        LIBRARY_CHANGED = "library_changed", _("Library changed")
        LIBRARIAN_CREATED = "librarian_created", _("Librarian created")
        LIBRARIAN_PASSWORD_RESET = "librarian_password_reset", _("Librarian password reset")
        LIBRARIAN_DEACTIVATED = "librarian_deactivated", _("Librarian deactivated")
        LIBRARIAN_REACTIVATED = "librarian_reactivated", _("Librarian reactivated")
        OPERATOR_CREATED = "operator_created", _("Operator created")
        READER_REGISTERED = "reader_registered", _("Reader registered")
        READER_CHANGED = "reader_changed", _("Reader card changed")
        READER_BLOCKED = "reader_blocked", _("Reader blocked")
        READER_UNBLOCKED = "reader_unblocked", _("Reader unblocked")
        READER_PASSWORD_RESET = "reader_password_reset", _("Reader password reset")
        ACCOUNTS_MERGED = "accounts_merged", _("Accounts merged")
        BACKUP_LOGIN_ADDED = "backup_login_added", _("Backup login added")
        CREDITS_GRANTED = "credits_granted", _("Credits granted")
        COPY_ACQUIRED = "copy_acquired", _("Copy acquired")
        ISSUED = "issued", _("Issued")
        RETURNED = "returned", _("Returned")
        LOAN_EXPIRED = "loan_expired", _("Loan period ended")
        REQUESTED = "requested", _("Requested")
        REQUEST_CANCELLED = "request_cancelled", _("Request cancelled")
        REQUEST_APPROVED = "request_approved", _("Request approved")
        REQUEST_REJECTED = "request_rejected", _("Request rejected")
        QUEUED = "queued", _("Joined the queue")
        QUEUE_LEFT = "queue_left", _("Left the queue")
        QUEUE_SKIPPED = "queue_skipped", _("Skipped in the queue")
        RESERVED = "reserved", _("Reserved")
        RESERVATION_APPROVED = "reservation_approved", _("Reservation approved")
        RESERVATION_REFUSED = "reservation_refused", _("Reservation refused")
        RESERVATION_CANCELLED = "reservation_cancelled", _("Reservation cancelled")
        RESERVATION_LAPSED = "reservation_lapsed", _("Reservation not collected")
        SET_ASIDE = "set_aside", _("Set aside for pickup")
        HOLD_LAPSED = "hold_lapsed", _("Set-aside book not collected")
        CHECKED_OUT = "checked_out", _("Checked out")
        CHECKED_IN = "checked_in", _("Checked in")
        RENEWAL_REQUESTED = "renewal_requested", _("Renewal requested")
        RENEWED = "renewed", _("Renewed")
        RENEWAL_REFUSED = "renewal_refused", _("Renewal refused")
        FINE_CHARGED = "fine_charged", _("Fine charged")
        FINE_PAID = "fine_paid", _("Fine paid")
        FINE_WAIVED = "fine_waived", _("Fine waived")
        BLOCK_OVERRIDDEN = "block_overridden", _("Checked out despite a block")
        CALENDAR_CHANGED = "calendar_changed", _("Opening calendar changed")
        CIRCULATION_RULE_CHANGED = "circulation_rule_changed", _("Circulation rule changed")
        CATALOG_IMPORTED = "catalog_imported", _("Catalogue file imported")
        CATALOG_SELECTION_CHANGED = "catalog_selection_changed", _("Catalogue selection changed")

    kind = models.CharField(max_length=40, choices=Kind.choices, db_index=True)
    at = models.DateTimeField(db_index=True)
    library = models.ForeignKey(
        "libraries.Library", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    card = models.ForeignKey("readers.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.ForeignKey("catalog.Title", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["library", "at"]),
            models.Index(fields=["card", "at"]),
            # Statistics count one kind per day for a year (SPEC R1): an index-only range scan.
            models.Index(fields=["library", "kind", "at"], name="event_library_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"
