"""The demo's extensions, made once and bound to each app by :func:`hipflask_demo.create_app`."""

from __future__ import annotations

from hipflask.auth import LoginManager, LoginThrottle
from hipflask.csrf import CSRFProtect
from hipflask.db import SQLAlchemy
from hipflask.migrate import Migrate
from hipflask.tasks import Tasks

db = SQLAlchemy()
migrate = Migrate()
login_manager = LoginManager()
throttle = LoginThrottle()
csrf = CSRFProtect()
tasks = Tasks()
