from django import template
from django.urls import reverse
from django.utils.html import json_script

from tuopin.offline.fieldwork import form_patterns

register = template.Library()


@register.simple_tag(takes_context=True)
def offline_config(context) -> str:
    """The page script's settings: who is signed in and which forms it may queue offline."""
    request = context.get("request")
    user = getattr(request, "user", None)
    data = {
        "user": user.pk if user is not None and user.is_authenticated else None,
        "userName": user.get_username() if user is not None and user.is_authenticated else "",
        "page": getattr(request, "offline_form", None),
        "formVersion": getattr(request, "offline_form_version", None),
        "forms": list(form_patterns()),
        "home": reverse("offline:home"),
        "bundle": reverse("offline:bundle"),
        "ping": reverse("offline:ping"),
        "logout": reverse("logout"),
        "worker": reverse("offline_sw"),
    }
    return json_script(data, "tuopin-offline")
