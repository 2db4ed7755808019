import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phoihop.settings")

from phoihop.checks import refuse_unsafe_production

refuse_unsafe_production()
application = get_wsgi_application()
