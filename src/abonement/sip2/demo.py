"""The demo's self-check kiosk: an account in the public library, so a SIP2 client can try it on 127.0.0.1:6001."""

from abonement.sip2 import services
from abonement.sip2.models import SipAccount

KIOSK_LOGIN = "kiosk"
KIOSK_PASSWORD = "demo12345"  # noqa: S105 - public demo password, as the README says
KIOSK_INSTITUTION = "RIGA"


def load_kiosk_demo(*, public) -> SipAccount:
    """Once: a kiosk that may check out, check in, renew and take payments; the reader's password is required."""
    existing = SipAccount.objects.filter(login=KIOSK_LOGIN, institution_id=KIOSK_INSTITUTION).first()
    if existing is not None:
        return existing
    return services.create_account(
        library=public,
        login=KIOSK_LOGIN,
        password=KIOSK_PASSWORD,
        institution_id=KIOSK_INSTITUTION,
        may_pay=True,
    )
