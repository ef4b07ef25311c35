"""Channels behind one small interface: ``send(delivery)`` returns or raises.

A PermanentError (a bad address or URL, a 4xx answer, a robot that refuses the message) is
recorded and never retried; a TransientError (timeouts, 5xx, rate limits, a refused connection)
is retried with back-off. Either way other deliveries go on.
"""

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage

from .models import Channel, Delivery, UnitChannel

TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    pass


class PermanentError(DeliveryError):
    pass


class TransientError(DeliveryError):
    pass


class Notifier:
    channel: str

    def send(self, delivery: Delivery) -> None:
        raise NotImplementedError


class EmailNotifier(Notifier):
    channel = Channel.EMAIL

    def send(self, delivery: Delivery) -> None:
        message = EmailMessage(
            subject=delivery.subject,
            body=delivery.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.recipient],
        )
        try:
            message.send(fail_silently=False)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise PermanentError(f"SMTP refused: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx is final, 4xx is "try again later" (RFC 5321).
            error = PermanentError if exc.smtp_code >= 500 else TransientError
            raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"SMTP: {exc.__class__.__name__}: {exc}") from exc


class WebhookNotifier(Notifier):
    """A group robot: markdown with a link back. Both answer JSON with ``errcode`` 0 on success."""

    # errcodes that mean "too many messages now", worth retrying
    RATE_LIMITED: frozenset[int] = frozenset()

    def url(self, config: UnitChannel) -> str:
        return config.webhook_url

    def payload(self, delivery: Delivery) -> dict:
        raise NotImplementedError

    def send(self, delivery: Delivery) -> None:
        config = UnitChannel.objects.filter(unit_id=delivery.unit_id, channel=self.channel).first()
        if config is None or not config.webhook_url:
            raise PermanentError("no webhook configured for this unit")
        url = self.url(config)
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise PermanentError("the webhook URL must start with http:// or https://")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=json.dumps(self.payload(delivery), ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                body = response.read(65536)
        except urllib.error.HTTPError as exc:
            error = TransientError if exc.code >= 500 or exc.code == 429 else PermanentError
            raise error(f"HTTP {exc.code}") from exc
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise TransientError(f"{exc.__class__.__name__}: {getattr(exc, 'reason', exc)}") from exc
        except ValueError as exc:
            raise PermanentError(f"bad URL: {exc}") from exc
        try:
            answer = json.loads(body or b"{}")
        except ValueError as exc:
            raise PermanentError("the robot's answer is not JSON") from exc
        code = answer.get("errcode", 0) if isinstance(answer, dict) else 0
        if code:
            error = TransientError if code in self.RATE_LIMITED else PermanentError
            raise error(f"errcode {code}: {answer.get('errmsg', '')}"[:400])


class WeComNotifier(WebhookNotifier):
    channel = Channel.WECOM
    RATE_LIMITED = frozenset({45009})

    def payload(self, delivery: Delivery) -> dict:
        # WeCom's markdown content is limited to 4,096 bytes.
        content = f"**{delivery.subject}**\n{delivery.body}".encode()[:4000].decode(errors="ignore")
        return {"msgtype": "markdown", "markdown": {"content": content}}


class DingTalkNotifier(WebhookNotifier):
    channel = Channel.DINGTALK
    RATE_LIMITED = frozenset({130101})

    def url(self, config: UnitChannel) -> str:
        if not config.secret:
            return config.webhook_url
        timestamp, sign = dingtalk_sign(config.secret)
        separator = "&" if "?" in config.webhook_url else "?"
        return f"{config.webhook_url}{separator}timestamp={timestamp}&sign={urllib.parse.quote_plus(sign)}"

    def payload(self, delivery: Delivery) -> dict:
        text = f"#### {delivery.subject}\n{delivery.body}"
        return {"msgtype": "markdown", "markdown": {"title": delivery.subject, "text": text}}


def dingtalk_sign(secret: str, timestamp: int | None = None) -> tuple[int, str]:
    """DingTalk's 加签: base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), timestamp in ms."""
    timestamp = timestamp if timestamp is not None else int(time.time() * 1000)
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return timestamp, base64.b64encode(digest).decode()


NOTIFIERS: dict[str, Notifier] = {
    n.channel: n for n in (EmailNotifier(), WeComNotifier(), DingTalkNotifier())
}
