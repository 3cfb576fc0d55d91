"""WSGI entry point (``tuopin serve`` runs it under waitress)."""

import logging
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
application = get_wsgi_application()

# `tuopin serve` refuses a network address with the demo key; any other WSGI server gets this.
if settings.SECRET_KEY_IS_DEMO:
    logging.getLogger("tuopin").warning(
        "警告：未设置 TUOPIN_SECRET_KEY，正在使用公开的演示密钥，只可在本机试用，"
        "切勿在网络上提供服务（任何人都能伪造登录会话）"
    )
