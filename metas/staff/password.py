"""A forgotten password, reset by e-mail with Django's own views, limited so that nobody can
flood an address with messages or the mail server with requests (django-ratelimit), and
answered in the same time whether the address belongs to a user or not.

- Beyond a limit the form answers exactly as it does otherwise ("revise su correo"), and sends
  nothing: the answer says neither that the limit was reached nor whether the address exists.
- The message is written in the request and sent by the publication worker (send_reset_mail),
  so a slow mail server holds no request; and every answer takes at least ANSWER_SECONDS, so
  the few milliseconds of writing it do not tell who has an account.
"""
import logging
import time

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.http import HttpResponseRedirect
from django.template import loader
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit
from django_tasks import task

logger = logging.getLogger(__name__)
# Per address: a person who mistyped or lost the first message may ask again, a few times.
PER_ADDRESS = "3/h"
# Per client (its real address behind PROXY_COUNT proxies, RATELIMIT_IP_META_KEY).
PER_CLIENT = "10/h"
# Every answer to the form takes this long at least: far more than writing the message takes.
ANSWER_SECONDS = 0.25


@task()
def send_reset_mail(subject: str, body: str, from_email: str, to_email: str) -> None:
    try:
        EmailMultiAlternatives(subject, body, from_email, [to_email]).send()
    except Exception:
        # Django's own words, where the operators look for them; the task is marked failed.
        logger.exception("Failed to send password reset email to %s", to_email)
        raise


class QueuedPasswordResetForm(PasswordResetForm):
    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_reset_mail.enqueue(subject, body, from_email, to_email)


def address_key(group, request) -> str:
    return request.POST.get("email", "").strip().casefold()


@method_decorator(ratelimit(key=address_key, rate=PER_ADDRESS, method="POST", block=False),
                  name="post")
@method_decorator(ratelimit(key="ip", rate=PER_CLIENT, method="POST", block=False),
                  name="post")
class LimitedPasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm

    def post(self, request, *args, **kwargs):
        started = time.monotonic()
        response = super().post(request, *args, **kwargs)
        time.sleep(max(0.0, started + ANSWER_SECONDS - time.monotonic()))
        return response

    def form_valid(self, form):
        if getattr(self.request, "limited", False):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
